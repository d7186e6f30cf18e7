// ftpref: the benchmark's reference FTP server, the least a server can do for the
// benchmark's scenarios (220, USER, PASS, TYPE, EPSV/PASV, RETR by sendfile, STOR
// into nothing, QUIT), single process, single thread, loopback only. It shows the
// ceiling of ftpload on this machine; it is no server for anything else.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "worker/net.hpp"
#include "worker/protocol/address.hpp"
#include "worker/protocol/command.hpp"
#include "worker/protocol/line_buffer.hpp"
#include "worker/protocol/reply.hpp"

namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;
namespace protocol = ftpd::protocol;
namespace code = ftpd::protocol::code;

namespace {

std::string g_root;

struct Session {
    explicit Session(tcp::socket s) : control(std::move(s)) {}
    tcp::socket control;
    std::unique_ptr<tcp::acceptor> passive;
    protocol::LineBuffer lines{4096};

    awaitable<void> reply(int c, std::string_view text = {}) {
        auto s = protocol::format_reply(c, text);
        co_await net::async_write(control, net::buffer(s), use_awaitable);
    }

    awaitable<void> open_passive(bool pasv) {
        auto local = control.local_endpoint();
        passive = std::make_unique<tcp::acceptor>(control.get_executor(), tcp::endpoint(local.address(), 0));
        auto port = passive->local_endpoint().port();
        if (pasv)
            co_await reply(code::kEnteringPassive,
                           protocol::format_pasv_reply_text({local.address().to_string(), port, 4}));
        else
            co_await reply(code::kEnteringExtendedPassive, protocol::format_epsv_reply_text(port));
    }

    // Sends the whole file with sendfile(2) on a non-blocking socket.
    static awaitable<void> send_file(tcp::socket& data, int fd, off_t size) {
        data.non_blocking(true);
        off_t offset = 0;
        while (offset < size) {
            ssize_t n = ::sendfile(data.native_handle(), fd, &offset, static_cast<size_t>(size - offset));
            if (n > 0) continue;
            if (n < 0 && errno == EAGAIN) {
                co_await data.async_wait(tcp::socket::wait_write, use_awaitable);
                continue;
            }
            throw std::runtime_error("sendfile failed");
        }
    }

    awaitable<void> retr(const std::string& name) {
        // Names are plain file names in the root: nothing else is benchmarked.
        if (!passive || name.find('/') != std::string::npos || name.starts_with(".")) {
            co_await reply(code::kFileUnavailable);
            co_return;
        }
        int fd = ::open((g_root + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (fd < 0 || ::fstat(fd, &st) != 0) {
            if (fd >= 0) ::close(fd);
            co_await reply(code::kFileUnavailable);
            co_return;
        }
        co_await reply(code::kFileStatusOk, "Opening data connection.");
        try {
            tcp::socket data = co_await passive->async_accept(use_awaitable);
            passive.reset();
            co_await send_file(data, fd, st.st_size);
        } catch (...) {
            ::close(fd);
            throw;
        }
        ::close(fd);
        co_await reply(code::kClosingData, "Transfer complete.");
    }

    awaitable<void> stor() {
        if (!passive) {
            co_await reply(code::kCantOpenData);
            co_return;
        }
        co_await reply(code::kFileStatusOk, "Opening data connection.");
        tcp::socket data = co_await passive->async_accept(use_awaitable);
        passive.reset();
        std::vector<char> buf(256 * 1024);
        boost::system::error_code ec;
        while (!ec) co_await data.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
        co_await reply(code::kClosingData, "Transfer complete (data discarded).");
    }

    // Returns false after QUIT.
    awaitable<bool> dispatch(const protocol::Command& c) {
        if (c.verb == "USER") co_await reply(code::kNeedPassword);
        else if (c.verb == "PASS") co_await reply(code::kLoggedIn);
        else if (c.verb == "TYPE" || c.verb == "NOOP") co_await reply(code::kOk);
        else if (c.verb == "EPSV") co_await open_passive(false);
        else if (c.verb == "PASV") co_await open_passive(true);
        else if (c.verb == "RETR") co_await retr(c.arg);
        else if (c.verb == "STOR") co_await stor();
        else if (c.verb == "QUIT") {
            co_await reply(code::kClosingControl);
            co_return false;
        } else co_await reply(code::kNotImplemented);
        co_return true;
    }

    awaitable<void> run() {
        co_await reply(code::kServiceReady, "ftpref ready");
        for (;;) {
            auto span = lines.prepare(4096);
            std::size_t n = co_await control.async_read_some(net::buffer(span.data(), span.size()), use_awaitable);
            lines.commit(n);
            while (auto line = lines.next()) {
                auto cmd = line->too_long ? std::nullopt : protocol::parse_command(line->text);
                if (!cmd) co_await reply(code::kSyntaxError);
                else if (!co_await dispatch(*cmd)) co_return;
            }
        }
    }
};

awaitable<void> serve(tcp::acceptor& acceptor) {
    for (;;) {
        // Two statements: g++ 12 mishandles a co_await inside a braced initialiser.
        tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
        auto s = std::make_shared<Session>(std::move(socket));
        net::co_spawn(acceptor.get_executor(), [s]() -> awaitable<void> { co_await s->run(); },
                      [](std::exception_ptr e) {  // a client that vanishes ends its session only
                          if (!e || !std::getenv("FTPREF_DEBUG")) return;
                          try {
                              std::rethrow_exception(e);
                          } catch (const std::exception& x) {
                              std::fprintf(stderr, "ftpref: session: %s\n", x.what());
                          }
                      });
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc != 3) {
        std::cerr << "usage: ftpref PORT ROOT   (listens on 127.0.0.1:PORT, 0 = any; prints the port)\n";
        return 2;
    }
    g_root = argv[2];
    std::signal(SIGPIPE, SIG_IGN);
    net::io_context io(1);
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                             static_cast<unsigned short>(std::stoi(argv[1]))));
    acceptor.listen(4096);
    std::printf("listening on 127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);
    net::signal_set stop(io, SIGINT, SIGTERM);
    stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
    net::co_spawn(io, serve(acceptor), [](std::exception_ptr) {});
    io.run();
    return 0;
} catch (const std::exception& e) {
    std::cerr << "ftpref: " << e.what() << "\n";
    return 1;
}
