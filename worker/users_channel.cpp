// UsersChannel (users_channel.hpp): descriptor in, accounts out. The read and the parse
// (which stats every user's root) run on the worker's file-system pool.
#include "worker/users_channel.hpp"

#include "ipc/sys/fd_passing.hpp"
#include "worker/accounts.hpp"
#include "worker/fs/pool.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace ftpd::worker {
namespace {

// The whole file behind fd, from offset 0 (the master's open file description is shared).
UsersFile read_users_fd(int fd, const std::string& path) {
    std::string text;
    char buf[65536];
    for (off_t pos = 0;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, pos);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return {{}, {{path, 0, std::string("cannot read: ") + std::strerror(errno)}}};
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        pos += n;
    }
    return parse_users(text, path, false);  // the master checked the roots
}

}  // namespace

UsersChannel::UsersChannel(net::io_context& io, Worker& worker, int socket, std::string path)
    : worker_(worker), path_(std::move(path)), socket_(io), enabled_(socket >= 0) {
    if (enabled_) socket_.assign(socket);
}

void UsersChannel::start() {
    if (enabled_) wait();
}

void UsersChannel::wait() {
    socket_.async_wait(net::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
        if (ec) return;  // closed with the loop
        take();
        wait();
    });
}

void UsersChannel::take() {
    std::shared_ptr<ipc::sys::unique_fd> fd;
    try {
        fd = std::make_shared<ipc::sys::unique_fd>(ipc::sys::receive_latest_fd(socket_.native_handle()));
    } catch (const std::exception& e) {
        spdlog::error("cannot take the users file from the master: {}", e.what());
        return;
    }
    if (!*fd) return;
    auto parsed = std::make_shared<UsersFile>();
    auto job = worker_.fs_pool().submit(
        fs::Op::login, path_, [fd, parsed, path = path_] { *parsed = read_users_fd(fd->get(), path); },
        [this, parsed] {
            for (const auto& e : parsed->errors) spdlog::warn("users file: {}", e.to_string());
            if (!parsed->errors.empty() && parsed->errors.front().line == 0) return;  // unreadable: keep the old list
            spdlog::info("users file re-read: {} user(s) for new logins", parsed->accounts.size());
            worker_.set_users(std::make_shared<const std::vector<Account>>(std::move(parsed->accounts)));
        });
    if (!job) spdlog::error("users file changed but the file-system pool is saturated; keeping the old users");
}

}  // namespace ftpd::worker
