// One FTP control connection: a coroutine that reads a command, runs its handler and
// writes the replies, top to bottom. Runs in a worker's event loop; never blocks it, on
// the network or on the disk (file-system work goes to the worker's fs::Pool through
// fs_call()), and never lets an exception escape into the worker.
#pragma once

#include "ipc/event.hpp"
#include "worker/data_channel.hpp"
#include "worker/fs/files.hpp"
#include "worker/fs/waiter.hpp"
#include "worker/net.hpp"
#include "worker/protocol/extension_args.hpp"
#include "worker/protocol/file_reply.hpp"
#include "worker/protocol/line_buffer.hpp"
#include "worker/settings.hpp"
#include "ipc/status_layout.hpp"
#include "worker/accounts.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace ftpd::worker {

class Worker;

class Session : public std::enable_shared_from_this<Session> {
public:
    static constexpr std::size_t kMaxLine = 4096;  // longest control line accepted
    // One control read: commands are short, and an idle session keeps this much buffer
    // (longer lines take more reads; the buffer grows up to kMaxLine as needed).
    static constexpr std::size_t kControlRead = 512;
    // Stands in the queue of lines read during a transfer for one that was too long (a
    // real line never contains LF).
    static constexpr std::string_view kTooLongLine = "\n";

    // client: the socket's peer, or the address a PROXY header named (then `balancer` is
    // the socket's real peer); it is the client for logs, status and the data connections'
    // address checks. implicit_tls: the TLS handshake comes before the 220 (a
    // listen_implicit socket).
    Session(Worker& worker, tcp::socket socket, std::uint64_t id, const tcp::endpoint& client,
            bool implicit_tls = false, std::optional<tcp::endpoint> balancer = std::nullopt);

    // Serves the connection until QUIT, EOF, timeout or stop(). Never throws.
    awaitable<void> run();

    // Closes the connection from outside (worker shutdown); run() then ends.
    void stop();
    // ftpctl user del --kick asked for this session (its row in the status segment).
    bool kick_requested();
    // Ends the session with 421 (the user was deleted and kicked); logged.
    void kick();

    std::uint64_t id() const { return id_; }

    // Another session took over this one's unused passive listener (pasv_ports ran dry):
    // if the status segment says so, closes it; the next transfer command gets 425.
    void check_passive_revoked();

    // Command handlers: parse the argument, act, append replies. One per verb, in the
    // commands_<family>.cpp files; the verb table is in session.cpp.
    using Handler = awaitable<void> (Session::*)(const std::string& arg);

    awaitable<void> cmd_user(const std::string& arg);
    awaitable<void> cmd_pass(const std::string& arg);
    awaitable<void> cmd_acct(const std::string& arg);
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
    awaitable<void> cmd_appe(const std::string& arg);
    awaitable<void> cmd_stou(const std::string& arg);
    awaitable<void> cmd_rest(const std::string& arg);
    awaitable<void> cmd_allo(const std::string& arg);
    awaitable<void> cmd_abor(const std::string& arg);
    awaitable<void> cmd_rnfr(const std::string& arg);
    awaitable<void> cmd_rnto(const std::string& arg);
    awaitable<void> cmd_site(const std::string& arg);
    awaitable<void> cmd_stat(const std::string& arg);
    awaitable<void> cmd_mlst(const std::string& arg);
    awaitable<void> cmd_mlsd(const std::string& arg);
    awaitable<void> cmd_auth(const std::string& arg);
    awaitable<void> cmd_pbsz(const std::string& arg);
    awaitable<void> cmd_prot(const std::string& arg);
    awaitable<void> cmd_ccc(const std::string& arg);
    awaitable<void> cmd_mfmt(const std::string& arg);
    awaitable<void> cmd_hash(const std::string& arg);
    awaitable<void> cmd_xhash(const std::string& arg);  // XSHA256 XSHA512 XSHA1 XMD5 XCRC
    awaitable<void> cmd_rang(const std::string& arg);
    awaitable<void> cmd_clnt(const std::string& arg);

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

    // The control connection's bytes, through TLS after AUTH TLS or on an implicit listener.
    awaitable<std::size_t> control_read_some(net::mutable_buffer buffer, boost::system::error_code& ec);
    awaitable<void> control_write(net::const_buffer buffer, boost::system::error_code& ec);
    // A last reply written without waiting (421 on timeout, shutdown, internal error); clear
    // text only: under TLS the connection is just closed.
    void send_now(std::string_view msg);

    // RFC 4217 (commands_tls.cpp): the control connection's TLS handshake (false: close);
    // whether data connections must be protected; PROT P on the connected data channel
    // after the 150 (false, and the reply sent, when it fails or does not resume the session).
    awaitable<bool> start_control_tls();
    bool data_protection_required() const;
    awaitable<bool> protect_data();

    // The virtual path a client argument names (relative to the working directory).
    std::string resolve(std::string_view arg) const { return fs::normalize_path(cwd_, arg); }
    // The absolute path on disk of a resolved path, for hooks (FTPD_FILE).
    std::string disk_path(const std::string& path) const;
    // A DELE, RNTO, MKD or RMD succeeded: an event for hooks.
    void report_change(ipc::EventType type, const std::string& path, const std::string& target = {});
    // The reply RFC 959 allows the current command for a file-system error on `name` (as
    // the client gave it): an errno value or an fs::errc (busy, timed out, interrupted).
    void reply_fs_error(const std::error_code& ec, std::string_view name);
    void reply_file_error(protocol::FileError error, std::string_view name);
    // True (and replies "Permission denied" with the command's code) when this session may
    // not modify files.
    bool refuse_write();

    // File-system work (session_fs.cpp). fs_call() runs `fn` on a file-system thread and
    // waits for it without blocking the loop; meanwhile the control monitor reads the
    // control connection, so ABOR, STAT and QUIT are answered. `path` names the call in
    // logs and status. The result's ec is fn's, or an fs::errc.
    // (References, not values: g++ 12 destroys a by-value argument of a coroutine twice
    // when it is a temporary made in the co_await expression, such as a lambda.)
    template <class T>
    awaitable<fs::Result<T>> fs_call(fs::Op op, const std::string& path, std::function<fs::Result<T>()>&& fn) {
        bool own_monitor = begin_fs_wait(op, path);
        auto result = co_await fs_.run<T>(op, path, std::move(fn));
        co_await end_fs_wait(own_monitor);
        co_return result;
    }
    awaitable<fs::Result<struct stat>> fs_stat(const std::string& path);
    bool begin_fs_wait(fs::Op op, const std::string& path);
    awaitable<void> end_fs_wait(bool own_monitor);
    // Runs fn on a file-system thread without waiting for it (removing a temporary file of a
    // failed upload): it runs even if the session ends first. Logged when the pool refuses.
    void fs_detached(fs::Op op, std::string path, std::function<void()> fn);
    // The session's umask applied to a mode for a new file or directory.
    mode_t creation_mode(mode_t mode) const { return mode & ~static_cast<mode_t>(umask_); }

    // HELP's text: every verb of the table, or the syntax of one (session.cpp).
    static std::string help_text(std::string_view verb);

    // Sync clients' commands (commands_sync.cpp): sets the times of the file at the client's
    // `shown` path (MFMT, SITE UTIME); replies only on failure, true on success.
    awaitable<bool> set_file_times(const std::string& shown, const protocol::Timestamp& modify,
                                   const std::optional<protocol::Timestamp>& access);
    // The digest of bytes [start, end) of the file (end 0: to its end), read and hashed on
    // file-system threads a chunk at a time, paced by the session's rate limit, stopped by
    // ABOR. Replies on failure and returns nullopt; `end` becomes the range's real end.
    awaitable<std::optional<std::string>> file_digest(const std::string& shown, protocol::HashAlgorithm algorithm,
                                                      std::uint64_t start, std::uint64_t& end);

    // The data connection (commands_data.cpp).
    awaitable<bool> open_data(std::string_view what);
    // 226, or 426 when ec is set, or 426 then 226 when the client sent ABOR.
    void finish_data(const std::error_code& ec, std::string_view what);
    void close_data();
    bool control_closed();  // the client closed the control connection (peek, no wait)
    // RFC 2428: after EPSV ALL, PORT, PASV and EPRT are refused (true, reply sent).
    bool refuse_after_epsv_all(std::string_view verb);
    // PASV/EPSV (commands_data.cpp): a listener for the next transfer, within the
    // per-address cap, taking over the oldest unused one when pasv_ports is exhausted.
    // nullopt, and the 425 sent, when there is none.
    awaitable<std::optional<std::uint16_t>> open_passive();
    awaitable<std::uint16_t> take_over_passive();
    // Forgets the passive listener (closed, off the status segment); lose_passive() also
    // keeps `why` for the 425 of the next transfer command and logs it once per session.
    void drop_passive();
    void lose_passive(std::string why, std::string_view log_text);

    // Listings (commands_listing.cpp): the target's stat and, for a directory, its reader;
    // the entries stream in batches, so no directory is held in memory whole.
    struct ListingSource {
        std::string path;     // the virtual path listed
        struct stat st {};    // its stat
        fs::DirPtr dir;       // its reader, when it is a directory
        std::vector<fs::DirEntry> first;  // the first entries (all of a small directory, sorted)
        bool end = true;      // `first` is the whole directory
    };
    enum class ListingKind { list, names, mlsd };
    // Stats vpath and opens it when it is a directory (need_dir: refuse anything else), and
    // reads the first entries. Replies and returns nullopt on failure.
    awaitable<std::optional<ListingSource>> open_listing(const std::string& vpath, const std::string& shown,
                                                         bool need_dir);
    // The next batch of a directory being listed (ec from the file system or fs::errc).
    awaitable<fs::Result<fs::DirReader::Batch>> next_entries(const fs::DirPtr& dir);
    awaitable<void> send_listing(const std::string& arg, ListingKind kind);
    std::string listing_text(const std::vector<fs::DirEntry>& entries, ListingKind kind, const ListingSource& src,
                             const std::string& target) const;
    // One MLSD/MLST line for `name`, with the perm fact and the OPTS MLST selection.
    std::string mlsx_line(const std::string& name, const struct stat& st, const struct stat& parent) const;
    // STAT with a path: 213 (file) or 212 (directory) with the listing on the control connection.
    awaitable<void> status_listing(const std::string& arg);

    // File transfers (commands_transfer.cpp, commands_upload.cpp).
    // count: add the bytes to the status table (file transfers, not listings).
    awaitable<std::error_code> send_buffer(const std::string& data, bool count = false);
    // RETR's bytes: sendfile() on the loop for what the page cache holds, on a file-system
    // thread for the rest; under TLS or in ASCII mode read in chunks (read_chunk) and written.
    awaitable<std::error_code> send_file(const fs::FilePtr& file, const std::string& path, std::uint64_t offset,
                                         std::uint64_t size, std::uint64_t& sent);
    awaitable<std::error_code> send_file_read(const fs::FilePtr& file, const std::string& path, std::uint64_t offset,
                                              std::uint64_t size, std::uint64_t& sent);
    // The next bytes of `file` at pos (up to len) into *buf: from the page cache on the loop,
    // else on a thread. The size read (0 at the end of the file).
    awaitable<fs::Result<std::size_t>> read_chunk(const fs::FilePtr& file, const std::string& path,
                                                  const std::shared_ptr<std::string>& buf, std::uint64_t pos,
                                                  std::size_t len);
    // Receives the data connection into `file`, writing each chunk on a file-system thread
    // while the next one arrives.
    awaitable<std::error_code> receive_file(const fs::FilePtr& file, const std::string& path, std::uint64_t& received);
    // After open_data: receives into file under the control monitor (broken if the control
    // connection is gone).
    awaitable<std::error_code> receive_upload(const fs::FilePtr& file, const std::string& path,
                                              std::uint64_t& received);
    // STOR and STOU: to a temporary name beside the target, renamed into place once complete.
    awaitable<void> upload_via_temp(const fs::UploadPtr& upload, const std::string& path, const std::string& shown,
                                    std::string_view what, bool no_replace);
    // A temporary name for an upload, unique in this worker's life.
    std::string upload_temp_name();
    // APPE and REST+STOR: written in place, at the end or at `offset`.
    awaitable<void> upload_in_place(const std::string& path, const std::string& shown, bool append,
                                    std::uint64_t offset);
    // REST policy for RETR (upload false) and STOR: false, and the reply sent, when the
    // offset cannot be used (ASCII mode 504, beyond the end 554, overwriting 553).
    bool may_restart(const struct stat& st, const std::string& shown, std::uint64_t offset, bool upload);
    void count_bytes(bool incoming, std::uint64_t n);
    // max_rate / anonymous_max_rate: waits until the transfer's average rate is back
    // under the session's limit; chunk_size() keeps each burst to about 0.1 s of it.
    awaitable<void> throttle();
    std::size_t chunk_size(std::size_t normal) const;
    // Tells the master (xferlog) how a RETR/STOR ended.
    void report_transfer(char direction, const std::string& path, std::uint64_t bytes, Clock::time_point start,
                         bool complete);

    // The control monitor (control_monitor.cpp): while data moves or a file-system call is
    // out it reads the control connection, so ABOR, STAT and QUIT are seen; other lines wait
    // in pending_. start_monitor() is for transfers (after the 150), start_control_monitor()
    // runs it (for either); stop_monitor() stops it and awaits its end.
    void start_monitor(std::string what, std::uint64_t size);
    void start_control_monitor();
    awaitable<void> stop_monitor();
    // Stops the monitor; returns `result`, or ECANCELED after ABOR.
    awaitable<std::error_code> end_transfer(std::error_code result);
    awaitable<void> monitor_control();
    awaitable<void> monitor_line(std::string line);
    // STAT without a path while a transfer or a file-system call is in progress.
    std::string progress_text() const;

    // Deadlines the watchdog enforces; max() means none.
    void set_control_deadline(Clock::time_point t);
    void set_data_deadline(Clock::time_point t);
    void set_passive_deadline(Clock::time_point t);  // accept_timeout

    const std::string& log_prefix() const;

    // Logins (commands_access.cpp): a virtual user's root, opened for this session on a
    // file-system thread; and a failed login, answered after login_fail_delay (421 and
    // close after too many).
    awaitable<bool> open_user_root(const Account& account);
    awaitable<void> fail_login();
    // max_sessions at login (commands_access.cpp): false when the user is over it.
    bool admit_sessions(const std::optional<Account>& account);

    // Quotas (commands_quota.cpp): a virtual user's usage in the status segment's quota
    // table, counted from the disk at login (and again when stale: quota_rescan, a worker
    // died) on a file-system thread. admit_upload() refuses with 552 before the 150 a
    // session already at its quota (bytes, or files for a new file); quota_take() reserves
    // an upload's chunk (false: over quota, the upload is cut); quota_add() records
    // deletions, overwrites, new files and the bytes of failed uploads.
    awaitable<void> load_quota(const Account& account);
    awaitable<void> refresh_quota();
    awaitable<bool> admit_upload(bool new_file);
    bool quota_take(std::uint64_t n);
    void quota_add(std::int64_t bytes, std::int64_t files);
    // The size of the regular file at path (0 and false when there is none), for quota_add.
    awaitable<std::pair<bool, std::int64_t>> quota_file_size(const std::string& path);
    std::string quota_text() const;

    Worker& worker_;
    const Settings& settings_;
    tcp::socket socket_;
    std::uint64_t id_;
    std::string peer_text_;        // "127.0.0.1 port 40000", for log lines
    std::string client_;           // "127.0.0.1:40000", for status and events
    std::string via_;              // "127.0.0.1 port 50000": the balancer, when proxied
    int row_ = -1;                 // this session's row in the status segment
    Clock::time_point started_ = Clock::now();
    net::ip::address peer_addr_;
    net::ip::address local_addr_;
    std::optional<net::ssl::context> tls_context_;          // wraps settings_.tls_context
    std::optional<net::ssl::stream<tcp::socket&>> tls_;     // over socket_, once TLS is up
    bool implicit_tls_ = false;
    bool pbsz_ = false;                // RFC 4217: PBSZ 0 seen (PROT needs it)
    bool prot_p_ = false;              // PROT P: data connections use TLS
    protocol::LineBuffer in_;
    std::string out_;
    DataChannel data_;
    net::steady_timer timer_;
    Clock::time_point control_deadline_ = Clock::time_point::max();
    Clock::time_point data_deadline_ = Clock::time_point::max();
    Clock::time_point passive_deadline_ = Clock::time_point::max();
    bool data_timed_out_ = false;
    bool closing_ = false;

    // Login state.
    std::string user_;
    bool logged_in_ = false;
    mutable std::string log_prefix_;  // log_prefix()'s cache, for logged_in_ as it was then
    mutable bool log_prefix_logged_in_ = false;
    bool anonymous_ = false;
    bool may_write_ = false;
    fs::RootPtr root_;                    // the anonymous root, or a virtual user's own
    unsigned login_failures_ = 0;
    std::string cwd_ = "/";
    bool ascii_ = false;

    // Transfer and command state (control_monitor.cpp, commands_*.cpp).
    std::string_view verb_;            // the command being handled ("RETR"), for its replies
    bool data_started_ = false;        // its 150 is out: failures now get after-data codes
    fs::Waiter fs_;                    // this session's file-system calls, one at a time
    std::deque<std::string> pending_;  // lines the monitor read, for the session loop
    net::steady_timer monitor_done_;   // an event: cancelled when the monitor has ended
    bool monitor_running_ = false;
    bool monitor_transfer_ = false;    // it watches a data transfer (else a file-system call)
    bool monitor_reading_ = false;     // its read is pending (stop_monitor cancels it)
    bool monitor_stop_ = false;
    bool aborted_ = false;             // ABOR arrived during the transfer
    bool control_eof_ = false;         // the monitor saw the control connection end
    std::string transfer_what_;        // "RETR big.iso", for STAT during a transfer
    std::error_code transfer_fs_error_;  // the file system failed the transfer (451, not 426)
    std::uint64_t transfer_bytes_ = 0;
    std::uint64_t transfer_size_ = 0;  // 0: unknown
    Clock::time_point transfer_start_; // for max_rate
    std::uint64_t max_rate_ = 0;       // bytes/s of the transfer under way (rate_down_ or rate_up_); 0: no limit
    std::uint64_t rate_down_ = 0;      // bytes/s of downloads: the account's down=, else (anonymous_)max_rate
    std::uint64_t rate_up_ = 0;        // bytes/s of uploads: the account's up=, else (anonymous_)max_rate
    std::uint64_t rest_ = 0;           // REST offset for the next RETR/STOR
    std::optional<std::string> rename_from_;  // RNFR's path, for the RNTO right after it
    bool epsv_all_ = false;
    bool passive_published_ = false;   // the status row names our passive listener
    std::string passive_lost_;         // why it was closed unused: the next transfer's 425
    bool passive_lost_logged_ = false; // log each passive-port refusal once per session
    bool passive_cap_logged_ = false;
    bool passive_taken_logged_ = false;
    unsigned umask_ = 022;             // SITE UMASK; starts as the configured umask
    unsigned mlst_facts_ = ~0u;        // OPTS MLST selection, bits per kMlstFacts
    protocol::HashAlgorithm hash_ = protocol::HashAlgorithm::sha256;  // OPTS HASH selection
    std::optional<protocol::RangeArg> range_;  // RANG, for the next RETR or HASH
    std::string client_name_;          // CLNT
    ipc::QuotaEntryData* quota_ = nullptr;  // this user's entry; null: no quota (or table full)
    std::uint64_t quota_bytes_ = 0;    // the account's quota= (0: none)
    std::uint64_t quota_files_ = 0;    // the account's files= (0: none)
    bool quota_cut_ = false;           // the upload under way passed the quota
    std::uint64_t allo_ = 0;           // ALLO's size, for the next STOR/APPE/STOU
};

}  // namespace ftpd::worker
