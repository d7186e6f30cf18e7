// Bounded line splitting for the control connection (CRLF or bare LF, RFC 959 and
// what real clients send). Never holds more than max_line + 1 + one read of bytes.
#include "worker/protocol/line_buffer.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace ftpd::protocol {

LineBuffer::LineBuffer(std::size_t max_line) : max_line_(max_line) {}

std::span<char> LineBuffer::prepare(std::size_t n) {
    if (begin_ > 0) {  // move the partial line to the front, so the buffer never creeps
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        scanned_ -= begin_;
        end_ -= begin_;
        begin_ = 0;
    }
    if (buf_.size() < end_ + n) buf_.resize(end_ + n);
    prepared_ = n;
    return {buf_.data() + end_, n};
}

void LineBuffer::commit(std::size_t n) {
    assert(n <= prepared_ && "commit() of more than prepare() gave");
    end_ += std::min(n, prepared_);
    prepared_ = 0;
}

std::optional<LineBuffer::Line> LineBuffer::next() {
    for (;;) {
        const char* const data = buf_.data();
        const void* lf =
            scanned_ < end_ ? std::memchr(data + scanned_, '\n', end_ - scanned_) : nullptr;
        if (lf == nullptr) {
            scanned_ = end_;
            if (discarding_) {  // still inside the overlong line: drop what came
                begin_ = scanned_ = end_ = 0;
                return std::nullopt;
            }
            // Content, plus a CR that may turn out to end it, already exceeds max_line.
            const std::size_t pending = end_ - begin_;
            const bool cr_last = pending > 0 && data[end_ - 1] == '\r';
            if (pending > max_line_ + (cr_last ? 1 : 0)) {
                begin_ = scanned_ = end_ = 0;
                discarding_ = true;
                return Line{{}, true};
            }
            return std::nullopt;
        }
        const std::size_t lf_at = static_cast<const char*>(lf) - data;
        std::size_t line_end = lf_at;
        if (line_end > begin_ && data[line_end - 1] == '\r') --line_end;
        const std::size_t line_begin = begin_;
        begin_ = scanned_ = lf_at + 1;
        if (discarding_) {  // the LF ending an overlong line already reported
            discarding_ = false;
            continue;
        }
        if (line_end - line_begin > max_line_) return Line{{}, true};
        return Line{std::string_view(data + line_begin, line_end - line_begin), false};
    }
}

}  // namespace ftpd::protocol
