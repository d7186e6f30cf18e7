// One FTP control connection, read top to bottom: greet, then read a command, dispatch
// it through the verb table, flush the replies; a watchdog enforces the login, idle and
// data timeouts. Runs in a worker; an exception ends this session only.
#include "worker/session.hpp"

#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

enum Needs : unsigned { kNothing = 0, kLogin = 1u << 0, kArg = 1u << 1 };

struct CommandSpec {
    std::string_view verb;
    Session::Handler handler;
    unsigned needs;
};

// Dispatch is data: verb -> handler and what it needs. RFC 2389: FEAT before login.
constexpr CommandSpec kCommands[] = {
    {"USER", &Session::cmd_user, kArg},
    {"PASS", &Session::cmd_pass, kNothing},
    {"QUIT", &Session::cmd_quit, kNothing},
    {"SYST", &Session::cmd_syst, kNothing},
    {"FEAT", &Session::cmd_feat, kNothing},
    {"OPTS", &Session::cmd_opts, kArg},
    {"HELP", &Session::cmd_help, kNothing},
    {"NOOP", &Session::cmd_noop, kNothing},
    {"TYPE", &Session::cmd_type, kLogin | kArg},
    {"MODE", &Session::cmd_mode, kLogin | kArg},
    {"STRU", &Session::cmd_stru, kLogin | kArg},
    {"PWD", &Session::cmd_pwd, kLogin},
    {"XPWD", &Session::cmd_pwd, kLogin},
    {"CWD", &Session::cmd_cwd, kLogin | kArg},
    {"XCWD", &Session::cmd_cwd, kLogin | kArg},
    {"CDUP", &Session::cmd_cdup, kLogin},
    {"XCUP", &Session::cmd_cdup, kLogin},
    {"MKD", &Session::cmd_mkd, kLogin | kArg},
    {"XMKD", &Session::cmd_mkd, kLogin | kArg},
    {"RMD", &Session::cmd_rmd, kLogin | kArg},
    {"XRMD", &Session::cmd_rmd, kLogin | kArg},
    {"DELE", &Session::cmd_dele, kLogin | kArg},
    {"SIZE", &Session::cmd_size, kLogin | kArg},
    {"MDTM", &Session::cmd_mdtm, kLogin | kArg},
    {"PASV", &Session::cmd_pasv, kLogin},
    {"EPSV", &Session::cmd_epsv, kLogin},
    {"PORT", &Session::cmd_port, kLogin | kArg},
    {"EPRT", &Session::cmd_eprt, kLogin | kArg},
    {"LIST", &Session::cmd_list, kLogin},
    {"NLST", &Session::cmd_nlst, kLogin},
    {"RETR", &Session::cmd_retr, kLogin | kArg},
    {"STOR", &Session::cmd_stor, kLogin | kArg},
};

// RFC 959 verbs this server knows but does not offer: 502, not 500.
constexpr std::string_view kNotImplemented[] = {
    "ACCT", "REIN", "SMNT", "STOU", "APPE", "ALLO", "REST", "RNFR",
    "RNTO", "ABOR", "SITE", "STAT", "MLST", "MLSD", "AUTH", "PBSZ", "PROT"};

const CommandSpec* find_command(std::string_view verb) {
    for (const auto& spec : kCommands)
        if (spec.verb == verb) return &spec;
    return nullptr;
}

net::ip::address unmapped(net::ip::address addr) {
    if (addr.is_v6() && addr.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, addr.to_v6());
    return addr;
}

}  // namespace

Session::Session(Worker& worker, tcp::socket socket, std::uint64_t id)
    : worker_(worker),
      settings_(worker.settings()),
      socket_(std::move(socket)),
      id_(id),
      in_(kMaxLine),
      data_(socket_.get_executor()),
      timer_(socket_.get_executor()) {
    boost::system::error_code ec;
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) {
        peer_addr_ = remote.address();
        auto addr = unmapped(remote.address());
        auto port = std::to_string(remote.port());
        peer_text_ = addr.to_string() + " port " + port;
        client_ = addr.is_v6() ? "[" + addr.to_string() + "]:" + port : addr.to_string() + ":" + port;
    }
    local_addr_ = socket_.local_endpoint(ec).address();
    socket_.set_option(tcp::no_delay(true), ec);
}

std::string Session::log_prefix() const {
    return "session " + std::to_string(id_) + " from " + peer_text_;
}

awaitable<void> Session::run() {
    auto self = shared_from_this();
    spdlog::info("{}: connected", log_prefix());
    row_ = worker_.status().session_opened(id_, client_);
    net::co_spawn(socket_.get_executor(), [self]() { return self->watchdog(); }, net::detached);
    try {
        co_await serve();
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", log_prefix(), e.what());
        if (socket_.is_open()) {
            boost::system::error_code ec;
            std::string msg = protocol::format_reply(code::kServiceNotAvailable, "Internal error; closing.");
            socket_.non_blocking(true, ec);
            socket_.write_some(net::buffer(msg), ec);
        }
    }
    closing_ = true;
    timer_.cancel();
    data_.reset();
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    spdlog::info("{}: closed", log_prefix());
    auto seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    worker_.status().session_closed(row_, id_, client_, user_, seconds);
    worker_.session_ended(id_);
}

void Session::stop() {
    if (closing_) return;
    closing_ = true;
    boost::system::error_code ec;
    std::string msg = protocol::format_reply(code::kServiceNotAvailable, "Server shutting down.");
    socket_.non_blocking(true, ec);
    socket_.write_some(net::buffer(msg), ec);
    socket_.close(ec);
    data_.cancel();
    timer_.cancel();
}

awaitable<void> Session::serve() {
    reply(code::kServiceReady, settings_.banner);
    co_await flush();
    set_control_deadline(Clock::now() + std::chrono::seconds(settings_.login_timeout));
    std::string line;
    while (!closing_) {
        if (logged_in_) set_control_deadline(Clock::now() + std::chrono::seconds(settings_.idle_timeout));
        if (!co_await read_line(line)) break;
        if (logged_in_) set_control_deadline(Clock::time_point::max());
        co_await dispatch(line);
        co_await flush();
    }
}

awaitable<void> Session::dispatch(const std::string& line) {
    auto cmd = protocol::parse_command(protocol::strip_telnet(line));
    if (!cmd) {
        reply(code::kSyntaxError, "Syntax error, command unrecognized.");
        co_return;
    }
    spdlog::debug("{}: {} {}", log_prefix(), cmd->verb, cmd->verb == "PASS" ? "****" : cmd->arg);
    const CommandSpec* spec = find_command(cmd->verb);
    if (!spec) {
        bool known = std::find(std::begin(kNotImplemented), std::end(kNotImplemented), cmd->verb) !=
                     std::end(kNotImplemented);
        if (known)
            reply(code::kNotImplemented, "Command not implemented.");
        else
            reply(code::kSyntaxError, "Unknown command.");
        co_return;
    }
    if ((spec->needs & kLogin) && !logged_in_) {
        reply(code::kNotLoggedIn, "Please login with USER and PASS.");
        co_return;
    }
    if ((spec->needs & kArg) && cmd->arg.empty()) {
        reply(code::kSyntaxErrorArgs, "Missing argument.");
        co_return;
    }
    if (!protocol::is_safe_path_arg(cmd->arg)) {
        reply(code::kSyntaxErrorArgs, "Invalid character in argument.");
        co_return;
    }
    worker_.status().command(row_, spec->verb);
    co_await (this->*(spec->handler))(cmd->arg);
    worker_.status().command(row_, logged_in_ ? "idle" : "login");
}

awaitable<bool> Session::read_line(std::string& line) {
    for (;;) {
        while (auto next = in_.next()) {
            if (next->too_long) {
                spdlog::warn("{}: command line too long", log_prefix());
                reply(code::kSyntaxError, "Command line too long.");
                co_await flush();
                continue;
            }
            line.assign(next->text);
            co_return true;
        }
        auto space = in_.prepare(4096);
        boost::system::error_code ec;
        std::size_t n = co_await socket_.async_read_some(net::buffer(space.data(), space.size()),
                                                         net::redirect_error(use_awaitable, ec));
        if (ec || closing_) co_return false;
        in_.commit(n);
    }
}

void Session::reply(int code, std::string_view text) { out_ += protocol::format_reply(code, text); }

awaitable<void> Session::flush() {
    if (out_.empty() || closing_) co_return;
    boost::system::error_code ec;
    co_await net::async_write(socket_, net::buffer(out_), net::redirect_error(use_awaitable, ec));
    out_.clear();
    if (ec) closing_ = true;
}

void Session::set_control_deadline(Clock::time_point t) {
    control_deadline_ = t;
    if (t < timer_.expiry()) timer_.cancel();
}

void Session::set_data_deadline(Clock::time_point t) {
    data_deadline_ = t;
    if (t < timer_.expiry()) timer_.cancel();
}

// Wakes at the earliest deadline. Control deadline passed: 421 and close. Data deadline
// passed: cancel the data connection (the transfer then fails with 426 or 425).
awaitable<void> Session::watchdog() {
    try {
        while (!closing_) {
            timer_.expires_at(std::min(control_deadline_, data_deadline_));
            boost::system::error_code ec;
            co_await timer_.async_wait(net::redirect_error(use_awaitable, ec));
            if (closing_) break;
            auto now = Clock::now();
            if (now >= control_deadline_) {
                spdlog::info("{}: {} timeout, closing", log_prefix(), logged_in_ ? "idle" : "login");
                closing_ = true;
                std::string msg = protocol::format_reply(code::kServiceNotAvailable,
                                                          "Timeout; closing control connection.");
                socket_.non_blocking(true, ec);
                socket_.write_some(net::buffer(msg), ec);
                socket_.close(ec);
                data_.cancel();
                break;
            }
            if (now >= data_deadline_) {
                spdlog::info("{}: data connection timeout", log_prefix());
                data_timed_out_ = true;
                data_deadline_ = Clock::time_point::max();
                data_.cancel();
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("{}: watchdog: {}", log_prefix(), e.what());
    }
}

void Session::reply_fs_error(const std::error_code& ec, std::string_view name) {
    std::string n(name);
    switch (ec.value()) {
        case ENOENT:
        case ENOTDIR:
        case ELOOP:
            reply(code::kFileUnavailable, n + ": No such file or directory.");
            break;
        case EACCES:
        case EPERM:
        case EROFS:
            reply(code::kFileUnavailable, n + ": Permission denied.");
            break;
        case EEXIST:
            reply(code::kNameNotAllowed, n + ": File exists.");
            break;
        case EISDIR:
            reply(code::kFileUnavailable, n + ": Is a directory.");
            break;
        case ENOTEMPTY:
            reply(code::kFileUnavailable, n + ": Directory not empty.");
            break;
        case ENAMETOOLONG:
            reply(code::kNameNotAllowed, n + ": File name too long.");
            break;
        case ENOSPC:
            reply(code::kInsufficientStorage, "Insufficient storage space.");
            break;
        case EDQUOT:
            reply(code::kExceededStorage, "Disk quota exceeded.");
            break;
        default:
            spdlog::warn("{}: {}: {}", log_prefix(), n, ec.message());
            reply(code::kLocalError, "Local error in processing.");
    }
}

bool Session::refuse_write() {
    if (may_write_) return false;
    reply(code::kFileUnavailable, "Permission denied.");
    return true;
}

}  // namespace ftpd::worker
