// The control connection's line reader, shared by the worker's sessions and the
// clients: bytes in, complete lines out, with a hard bound on what it buffers so
// that no peer can make it grow. No I/O of its own; the caller reads into prepare().
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ftpd::protocol {

class LineBuffer {
public:
    // max_line: the longest line content (without CRLF) ever handed out, e.g. 4096.
    explicit LineBuffer(std::size_t max_line);

    // Space for the next read of up to n bytes; invalidates views from next().
    std::span<char> prepare(std::size_t n = 4096);

    // n bytes were read into the span of the last prepare() (n is at most its size).
    void commit(std::size_t n);

    struct Line {
        std::string_view text;  // without CRLF or LF; valid until the next prepare()/next()
        bool too_long = false;  // the line exceeded max_line; text is empty
    };

    // The next complete line (ended by CRLF or a bare LF), or nullopt if none yet.
    // A line longer than max_line is reported once with too_long and its bytes are
    // dropped up to and including its LF. Call until nullopt after every commit(): then
    // at most max_line + 1 + one read's bytes are ever buffered. Never throws.
    std::optional<Line> next();

    // Bytes received and not yet returned or dropped.
    std::size_t buffered() const { return end_ - begin_; }

    // Drops every buffered byte (RFC 4217: clear text read before a TLS handshake).
    void clear() { begin_ = scanned_ = end_ = prepared_ = 0; discarding_ = false; }

private:
    std::size_t max_line_;
    std::vector<char> buf_;
    std::size_t begin_ = 0;     // first byte not yet handed out
    std::size_t scanned_ = 0;   // bytes in [begin_, scanned_) hold no LF
    std::size_t end_ = 0;       // end of received bytes
    std::size_t prepared_ = 0;  // size of the last prepare()
    bool discarding_ = false;   // inside an overlong line already reported
};

}  // namespace ftpd::protocol
