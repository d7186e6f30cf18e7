// Control connection of the ftp client: line-oriented I/O over a Stream (TCP or TLS),
// replies assembled by protocol::ReplyParser. Runs in the ftp client; no FTP command logic.
#include "client/ftp/control_connection.hpp"

#include <cerrno>
#include <chrono>

#include "client/ftp/tls_stream.hpp"
#include "worker/protocol/command.hpp"

namespace ftpd::client {

ControlConnection::ControlConnection(const std::string& host, std::uint16_t port, Timeout timeout,
                                     ReplyObserver on_reply, const TlsClient* implicit_tls)
    : timeout_(timeout), on_reply_(std::move(on_reply)) {
    Socket socket = Socket::connect(host, port, timeout);
    if (implicit_tls) {
        auto tls = TlsStream::connect(*implicit_tls, std::move(socket), host, nullptr, timeout);
        tls_ = tls.get();
        stream_ = std::move(tls);
    } else {
        stream_ = std::make_unique<PlainStream>(std::move(socket));
    }
    // RFC 959: a 120 greeting is followed by the 220 once the server is ready.
    do {
        greeting_ = read_reply();
    } while (greeting_.positive_preliminary());
}

ControlConnection::~ControlConnection() = default;

void ControlConnection::start_tls(const TlsClient& client, const std::string& host) {
    if (tls_) throw std::logic_error("start_tls on a TLS connection");
    if (lines_.buffered() > 0) throw ConnectionLost("the server sent clear text after accepting AUTH TLS");
    auto tls = TlsStream::connect(client, std::move(stream_->socket()), host, nullptr, timeout_);
    tls_ = tls.get();
    stream_ = std::move(tls);
}

SslSessionPtr ControlConnection::tls_session() const { return tls_ ? tls_->resumable_session() : nullptr; }

void ControlConnection::send(std::string_view line) {
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
        throw std::invalid_argument("CR, LF or NUL in a command");
    if (on_command_) {
        if (line.starts_with("PASS ")) {
            on_command_("PASS XXXX");
        } else {
            on_command_(line);
        }
    }
    std::string wire(line);
    wire += "\r\n";
    try {
        stream_->write_all(wire, timeout_);
    } catch (const std::system_error& e) {
        throw ConnectionLost(std::string("connection lost: ") + e.code().message());
    } catch (const TlsError& e) {
        throw ConnectionLost(std::string("connection lost: ") + e.what());
    }
}

protocol::Reply ControlConnection::read_reply() { return *next_reply(timeout_, true); }

std::optional<protocol::Reply> ControlConnection::read_reply_within(Timeout wait) {
    return next_reply(wait, false);
}

std::optional<protocol::Reply> ControlConnection::next_reply(Timeout wait, bool timeout_is_error) {
    for (;;) {
        while (auto line = lines_.next()) {
            if (line->too_long) continue;  // a line we cannot use; the reply's end still comes
            std::optional<protocol::Reply> reply;
            try {
                // RFC 959's control connection is Telnet: a server doubles a 0xFF byte.
                reply = parser_.feed_line(protocol::strip_telnet(line->text));
            } catch (const std::runtime_error& e) {
                throw ConnectionLost(std::string("bad reply from the server: ") + e.what());
            }
            if (!reply) continue;
            if (on_reply_) on_reply_(*reply);
            if (reply->code == protocol::code::kServiceNotAvailable) throw ConnectionLost(reply_line(*reply));
            return reply;
        }
        std::size_t n = 0;
        try {
            auto buf = lines_.prepare();
            n = stream_->read_some(buf, wait);
        } catch (const std::system_error& e) {
            if (e.code().value() == ETIMEDOUT && !timeout_is_error) return std::nullopt;
            if (e.code().value() == ETIMEDOUT) throw ConnectionLost("the server did not answer in time");
            throw ConnectionLost(std::string("connection lost: ") + e.code().message());
        } catch (const TlsError& e) {
            throw ConnectionLost(std::string("connection lost: ") + e.what());
        }
        if (n == 0) throw ConnectionLost("connection closed by the server");
        lines_.commit(n);
    }
}

protocol::Reply ControlConnection::command(std::string_view line) {
    send(line);
    return read_reply();
}

std::string reply_line(const protocol::Reply& reply) {
    const auto nl = reply.text.find('\n');
    return std::to_string(reply.code) + " " + reply.text.substr(0, nl);
}

std::string reply_lines(const protocol::Reply& reply) {
    const std::string code = std::to_string(reply.code);
    std::string out;
    std::size_t start = 0;
    bool first = true;
    for (;;) {
        const auto nl = reply.text.find('\n', start);
        const std::string line = reply.text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        const bool last = nl == std::string::npos;
        if (first && last) {
            out += code + " " + line + "\n";
        } else if (first) {
            out += code + "-" + line + "\n";
        } else if (last) {
            out += code + " " + line + "\n";
        } else {
            out += line + "\n";
        }
        if (last) break;
        first = false;
        start = nl + 1;
    }
    return out;
}

}  // namespace ftpd::client
