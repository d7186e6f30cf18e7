// Progress bar and transfer summary of the ftp client. Formatting is pure and unit
// tested; only ProgressMeter writes, and only to the stream it was given.
#include "client/ftp/progress.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace ftpd::client {
namespace {

std::string printf_string(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

std::string fit(std::string_view s, std::size_t width) {
    if (s.size() <= width) return std::string(s) + std::string(width - s.size(), ' ');
    if (width <= 3) return std::string(s.substr(0, width));
    return "..." + std::string(s.substr(s.size() - (width - 3)));  // keep the end of the name
}

std::string right(std::string_view s, std::size_t width) {
    if (s.size() >= width) return std::string(s);
    return std::string(width - s.size(), ' ') + std::string(s);
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    if (bytes < 1000) return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    int unit = 0;
    while (v >= 999.5 && unit < 6) {
        v /= 1000;
        ++unit;
    }
    const char* fmt = v < 9.995 ? "%.2f " : v < 99.95 ? "%.1f " : "%.0f ";
    return printf_string(fmt, v) + kUnits[unit];
}

std::string format_rate(std::uint64_t bytes, double seconds) {
    const double s = seconds > 0.001 ? seconds : 0.001;
    const double rate = static_cast<double>(bytes) / s;
    return format_bytes(static_cast<std::uint64_t>(std::llround(rate))) + "/s";
}

std::string format_clock(double seconds) {
    if (!(seconds >= 0) || seconds > 99.0 * 3600) return "--:--";
    const auto total = static_cast<long long>(seconds + 0.5);
    char buf[32];
    if (total >= 3600) {
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%02lld:%02lld", total / 60, total % 60);
    }
    return buf;
}

std::string format_progress(const ProgressSnapshot& s, std::size_t width) {
    const std::uint64_t moved = s.position - std::min(s.offset, s.position);
    const std::string bytes = right(format_bytes(s.position), 8);
    const std::string rate = right(format_rate(moved, s.elapsed), 10);
    std::string when;
    if (s.done) {
        when = format_clock(s.elapsed) + "    ";
    } else if (s.total && moved > 0 && s.elapsed > 0) {
        const double left = static_cast<double>(*s.total > s.position ? *s.total - s.position : 0);
        when = format_clock(left * s.elapsed / static_cast<double>(moved)) + " ETA";
    } else {
        when = "--:-- ETA";
    }
    when = right(when, 9);
    // name, then "NNN% |bar|" when the size is known, then bytes, rate and time
    std::string tail = " " + bytes + " " + rate + " " + when;
    std::string middle;
    std::size_t name_width = std::min<std::size_t>(24, std::max<std::size_t>(s.name.size(), 8));
    if (s.total) {
        const double frac = *s.total == 0 ? 1.0
                                          : std::min(1.0, static_cast<double>(s.position) / static_cast<double>(*s.total));
        middle = " " + right(std::to_string(static_cast<int>(frac * 100)) + "%", 4);
        const std::size_t used = name_width + middle.size() + tail.size();
        if (width > used + 12) {
            const std::size_t bar = std::min<std::size_t>(width - used - 3, 40);
            const auto filled = static_cast<std::size_t>(frac * static_cast<double>(bar));
            middle += " |" + std::string(filled, '=') + std::string(bar - filled, ' ') + "|";
        }
    }
    if (name_width + middle.size() + tail.size() > width) {
        const std::size_t rest = middle.size() + tail.size();
        name_width = width > rest + 4 ? width - rest : 4;
    }
    std::string line = fit(s.name, name_width) + middle + tail;
    if (line.size() > width) line.resize(width);
    return line;
}

std::string format_summary(std::string_view reply_line, std::string_view name, std::uint64_t bytes,
                           double seconds) {
    std::string out(reply_line);
    if (!out.empty()) out += ' ';
    if (!name.empty()) out += std::string(name) + ": ";
    out += std::to_string(bytes) + " bytes in " + printf_string("%.2f", seconds < 0 ? 0 : seconds) +
           " s (" + format_rate(bytes, seconds) + ")";
    return out;
}

ProgressMeter::ProgressMeter(std::ostream& out, bool enabled, std::size_t width, std::string name,
                             std::uint64_t offset, std::optional<std::uint64_t> total,
                             std::function<double()> clock)
    : out_(out), enabled_(enabled), width_(width), clock_(std::move(clock)) {
    snap_.name = std::move(name);
    snap_.offset = offset;
    snap_.position = offset;
    snap_.total = total;
    start_ = clock_();
}

void ProgressMeter::update(std::uint64_t position) {
    snap_.position = position;
    if (!enabled_ || finished_) return;
    const double now = clock_();
    if (last_draw_ >= 0 && now - last_draw_ < 0.1) return;  // at most ~10 redraws a second
    last_draw_ = now;
    draw();
}

void ProgressMeter::finish() {
    if (finished_) return;
    finished_ = true;
    if (!enabled_) return;
    snap_.done = true;
    draw();
    out_ << '\n' << std::flush;
}

double ProgressMeter::elapsed() const { return clock_() - start_; }

void ProgressMeter::draw() {
    snap_.elapsed = clock_() - start_;
    out_ << '\r' << format_progress(snap_, width_) << std::flush;
}

double monotonic_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace ftpd::client
