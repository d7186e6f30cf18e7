// One FTP control connection: a coroutine that reads a command, runs its handler and
// writes the replies, top to bottom. Runs in a worker's event loop; never blocks it on
// the network, never lets an exception escape into the worker.
#pragma once

#include "worker/data_channel.hpp"
#include "worker/fs_root.hpp"
#include "worker/net.hpp"
#include "worker/protocol/line_buffer.hpp"
#include "worker/settings.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

namespace ftpd::worker {

class Worker;

class Session : public std::enable_shared_from_this<Session> {
public:
    static constexpr std::size_t kMaxLine = 4096;  // longest control line accepted

    Session(Worker& worker, tcp::socket socket, std::uint64_t id);

    // Serves the connection until QUIT, EOF, timeout or stop(). Never throws.
    awaitable<void> run();

    // Closes the connection from outside (worker shutdown); run() then ends.
    void stop();

    std::uint64_t id() const { return id_; }

    // Command handlers: parse the argument, act, append replies. One per verb, in the
    // commands_<family>.cpp files; the verb table is in session.cpp.
    using Handler = awaitable<void> (Session::*)(const std::string& arg);

    awaitable<void> cmd_user(const std::string& arg);
    awaitable<void> cmd_pass(const std::string& arg);
    awaitable<void> cmd_quit(const std::string& arg);
    awaitable<void> cmd_syst(const std::string& arg);
    awaitable<void> cmd_feat(const std::string& arg);
    awaitable<void> cmd_opts(const std::string& arg);
    awaitable<void> cmd_help(const std::string& arg);
    awaitable<void> cmd_noop(const std::string& arg);
    awaitable<void> cmd_type(const std::string& arg);
    awaitable<void> cmd_mode(const std::string& arg);
    awaitable<void> cmd_stru(const std::string& arg);
    awaitable<void> cmd_pwd(const std::string& arg);
    awaitable<void> cmd_cwd(const std::string& arg);
    awaitable<void> cmd_cdup(const std::string& arg);
    awaitable<void> cmd_mkd(const std::string& arg);
    awaitable<void> cmd_rmd(const std::string& arg);
    awaitable<void> cmd_dele(const std::string& arg);
    awaitable<void> cmd_size(const std::string& arg);
    awaitable<void> cmd_mdtm(const std::string& arg);
    awaitable<void> cmd_pasv(const std::string& arg);
    awaitable<void> cmd_epsv(const std::string& arg);
    awaitable<void> cmd_port(const std::string& arg);
    awaitable<void> cmd_eprt(const std::string& arg);
    awaitable<void> cmd_list(const std::string& arg);
    awaitable<void> cmd_nlst(const std::string& arg);
    awaitable<void> cmd_retr(const std::string& arg);
    awaitable<void> cmd_stor(const std::string& arg);

private:
    using Clock = std::chrono::steady_clock;

    awaitable<void> serve();
    awaitable<void> dispatch(const std::string& line);
    awaitable<void> watchdog();

    // Appends a reply (multi-line when text has '\n'); flush() writes all pending ones.
    void reply(int code, std::string_view text);
    awaitable<void> flush();

    // Reads the next control line into `line`; false on EOF, error or close.
    awaitable<bool> read_line(std::string& line);

    // The virtual path a client argument names (relative to the working directory).
    std::string resolve(std::string_view arg) const { return normalize_path(cwd_, arg); }
    // Replies 550/553/452... for a file system error on `name` (as the client gave it).
    void reply_fs_error(const std::error_code& ec, std::string_view name);
    // True (and replies 550) when this session may not modify files.
    bool refuse_write();

    // Data transfers (commands_transfer.cpp).
    awaitable<bool> open_data(std::string_view what);
    awaitable<void> send_listing(const std::string& arg, bool names_only);
    // count: add the bytes to the status table (file transfers, not listings).
    awaitable<std::error_code> send_buffer(const std::string& data, bool count = false);
    awaitable<std::error_code> send_file(int fd, std::uint64_t size, std::uint64_t& sent);
    awaitable<std::error_code> receive_file(int fd, std::uint64_t& received);
    // Tells the master (xferlog) how a RETR/STOR ended.
    void report_transfer(char direction, const std::string& path, std::uint64_t bytes, Clock::time_point start,
                         bool complete);
    void finish_data(const std::error_code& ec, std::string_view what);  // 226 or 426
    void close_data();
    bool control_closed();  // the client closed the control connection (peek, no wait)

    // Deadlines the watchdog enforces; max() means none.
    void set_control_deadline(Clock::time_point t);
    void set_data_deadline(Clock::time_point t);

    std::string log_prefix() const;

    Worker& worker_;
    const Settings& settings_;
    tcp::socket socket_;
    std::uint64_t id_;
    std::string peer_text_;        // "127.0.0.1 port 40000", for log lines
    std::string client_;           // "127.0.0.1:40000", for status and events
    int row_ = -1;                 // this session's row in the status segment
    Clock::time_point started_ = Clock::now();
    net::ip::address peer_addr_;
    net::ip::address local_addr_;
    protocol::LineBuffer in_;
    std::string out_;
    DataChannel data_;
    net::steady_timer timer_;
    Clock::time_point control_deadline_ = Clock::time_point::max();
    Clock::time_point data_deadline_ = Clock::time_point::max();
    bool data_timed_out_ = false;
    bool closing_ = false;

    // Login state.
    std::string user_;
    bool logged_in_ = false;
    bool anonymous_ = false;
    bool may_write_ = false;
    const FsRoot* root_ = nullptr;
    std::string cwd_ = "/";
    bool ascii_ = false;
};

}  // namespace ftpd::worker
