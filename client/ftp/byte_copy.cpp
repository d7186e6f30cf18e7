// Copy loops between data sockets and local files for the ftp client, with ASCII
// conversion and progress updates; interrupted by Ctrl-C through the socket layer.
#include "client/ftp/byte_copy.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "client/ftp/ftp_error.hpp"
#include "client/ftp/interrupt.hpp"
#include "worker/protocol/ascii.hpp"

namespace ftpd::client {
using protocol::CrlfToLf;
using protocol::LfToCrlf;

namespace {

constexpr std::size_t kChunk = 256 * 1024;

void write_fd(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            check_interrupt();
            continue;
        }
        if (n < 0) throw CommandError(std::string("writing the local file: ") + std::strerror(errno));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::uint64_t receive_to_fd(Stream& data, int fd, bool ascii, std::uint64_t position,
                            ProgressMeter& meter, Timeout timeout) {
    std::vector<char> buf(kChunk);
    CrlfToLf crlf;
    std::uint64_t written = 0;
    for (;;) {
        check_interrupt();
        const std::size_t n = data.read_some(buf, timeout);
        if (n == 0) break;
        const std::string_view chunk(buf.data(), n);
        if (ascii) {
            const std::string text = crlf.convert(chunk);
            write_fd(fd, text);
            written += text.size();
        } else {
            write_fd(fd, chunk);
            written += n;
        }
        meter.update(position + written);
    }
    if (ascii) {
        const std::string tail = crlf.finish();
        write_fd(fd, tail);
        written += tail.size();
    }
    return written;
}

std::uint64_t send_from_fd(Stream& data, int fd, bool ascii, std::uint64_t position,
                           ProgressMeter& meter, Timeout timeout) {
    std::vector<char> buf(kChunk);
    LfToCrlf lf;
    std::uint64_t sent = 0;
    for (;;) {
        check_interrupt();
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw CommandError(std::string("reading the local file: ") + std::strerror(errno));
        if (n == 0) break;
        const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
        if (ascii) {
            data.write_all(lf.convert(chunk), timeout);
        } else {
            data.write_all(chunk, timeout);
        }
        sent += static_cast<std::uint64_t>(n);
        meter.update(position + sent);
    }
    return sent;
}

std::string receive_to_string(Stream& data, std::size_t limit, Timeout timeout) {
    std::string out;
    std::vector<char> buf(64 * 1024);
    for (;;) {
        const std::size_t n = data.read_some(buf, timeout);
        if (n == 0) break;
        if (out.size() + n > limit) throw CommandError("listing larger than " + std::to_string(limit) + " bytes");
        out.append(buf.data(), n);
    }
    return out;
}

}  // namespace ftpd::client
