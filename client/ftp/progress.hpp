// Transfer progress for the ftp client: the bar redrawn on a terminal (bytes, percent
// when the size is known, rate, ETA) and the one-line summary after each transfer.
// The formatters are pure; ProgressMeter writes to the stream it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace ftpd::client {

// 3 significant digits in decimal SI units: "0 B", "999 B", "1.00 kB", "12.3 MB", "512 GB".
std::string format_bytes(std::uint64_t bytes);

// format_bytes of bytes/seconds plus "/s"; a zero or negative time counts as 1 ms.
std::string format_rate(std::uint64_t bytes, double seconds);

// "MM:SS", or "H:MM:SS" from an hour on; "--:--" for a negative or absurd time.
std::string format_clock(double seconds);

// What a bar shows at one moment.
struct ProgressSnapshot {
    std::string name;
    std::uint64_t position = 0;             // bytes of the file done, offset included
    std::uint64_t offset = 0;               // where this transfer started (REST)
    std::optional<std::uint64_t> total;     // the file's size, when known
    double elapsed = 0;                     // seconds since the transfer started
    bool done = false;                      // last redraw: elapsed time instead of ETA
};

// One line of at most `width` columns (a bar only when the size is known and the
// width allows one). Never ends in a newline. Never throws except bad_alloc.
std::string format_progress(const ProgressSnapshot& s, std::size_t width);

// "226 Transfer complete. a.iso: 1048576 bytes in 0.01 s (105 MB/s)": the reply's
// first line, the local file's name, the bytes moved by this transfer, time and rate.
std::string format_summary(std::string_view reply_line, std::string_view name, std::uint64_t bytes,
                           double seconds);

// Redraws the bar at most 10 times a second on a terminal; `clock` returns seconds.
class ProgressMeter {
public:
    ProgressMeter(std::ostream& out, bool enabled, std::size_t width, std::string name,
                  std::uint64_t offset, std::optional<std::uint64_t> total,
                  std::function<double()> clock);

    // `position` bytes of the file are done (offset included).
    void update(std::uint64_t position);

    // Final redraw and newline (if anything was drawn or `enabled`); idempotent.
    void finish();

    double elapsed() const;
    std::uint64_t transferred() const { return snap_.position - snap_.offset; }

private:
    void draw();

    std::ostream& out_;
    bool enabled_;
    std::size_t width_;
    ProgressSnapshot snap_;
    std::function<double()> clock_;
    double start_;
    double last_draw_ = -1;
    bool finished_ = false;
};

// Seconds on the monotonic clock (the default clock of ProgressMeter).
double monotonic_seconds();

}  // namespace ftpd::client
