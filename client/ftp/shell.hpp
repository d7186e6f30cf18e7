// The ftp client's shell: reads commands (libedit at a terminal, plain lines from a
// pipe, or -c text), dispatches them through the command table, reports failures on
// stderr as "ftp: CMD: what" and remembers them for the exit status.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/ftp/command_line.hpp"
#include "client/ftp/ftp_connection.hpp"
#include "client/ftp/line_editor.hpp"
#include "client/ftp/options.hpp"
#include "client/ftp/progress.hpp"
#include "client/ftp/tls_client.hpp"

namespace ftpd::client {

class Shell {
public:
    explicit Shell(Options options);
    ~Shell();

    // Connects (when a host was given), runs every command, returns the exit status:
    // 0 when every command succeeded, 1 otherwise.
    int run();

    // Runs one command line; false when it failed (also recorded for the exit status).
    bool execute(std::string_view line);

    // Candidates for tab completion of `word`, the line before it being `before`.
    std::vector<std::string> complete(std::string_view before, std::string_view word);

    // --- command handlers (commands_session.cpp, commands_remote.cpp, commands_transfer.cpp)
    void cmd_help(const CommandLine& c);
    void cmd_open(const CommandLine& c);
    void cmd_close(const CommandLine& c);
    void cmd_quit(const CommandLine& c);
    void cmd_user(const CommandLine& c);
    void cmd_status(const CommandLine& c);
    void cmd_passive(const CommandLine& c);
    void cmd_active(const CommandLine& c);
    void cmd_binary(const CommandLine& c);
    void cmd_ascii(const CommandLine& c);
    void cmd_verbose(const CommandLine& c);
    void cmd_quote(const CommandLine& c);
    void cmd_shell(const CommandLine& c);
    void cmd_cd(const CommandLine& c);
    void cmd_cdup(const CommandLine& c);
    void cmd_pwd(const CommandLine& c);
    void cmd_lcd(const CommandLine& c);
    void cmd_ls(const CommandLine& c);
    void cmd_nlist(const CommandLine& c);
    void cmd_delete(const CommandLine& c);
    void cmd_mkdir(const CommandLine& c);
    void cmd_rmdir(const CommandLine& c);
    void cmd_rename(const CommandLine& c);
    void cmd_size(const CommandLine& c);
    void cmd_modtime(const CommandLine& c);
    void cmd_get(const CommandLine& c);
    void cmd_reget(const CommandLine& c);
    void cmd_put(const CommandLine& c);
    void cmd_reput(const CommandLine& c);
    void cmd_append(const CommandLine& c);
    void cmd_mget(const CommandLine& c);
    void cmd_mput(const CommandLine& c);

private:
    enum class Upload { store, append, resume };

    // --- connection
    void connect_from_command_line();  // HOST [PORT] or URL: connect, log in, cd or fetch
    void open_connection(const std::string& host, std::uint16_t port);
    void show_protection();  // "TLS: TLSv1.3, ... (certificate verified)" when chatty
    void login(std::optional<std::string> user, std::optional<std::string> password);
    void drop_connection();
    FtpConnection& connection();  // throws CommandError("not connected") when there is none
    void apply_url_path(const FtpUrl& url);

    // --- transfers (commands_transfer.cpp)
    void download(const std::string& remote, const std::string& local, bool resume);
    void download_into(const std::string& remote, int fd, const std::string& shown,
                       std::uint64_t offset, std::optional<std::uint64_t> total);
    void upload(const std::string& local, const std::string& remote, Upload kind);
    // One transfer with the progress bar and the summary line; `move` moves the bytes
    // and returns how many it moved.
    void metered_transfer(const std::string& command, std::uint64_t rest, const std::string& shown,
                          std::uint64_t offset, std::optional<std::uint64_t> total,
                          const std::function<std::uint64_t(Stream&, ProgressMeter&)>& move);
    std::vector<std::string> remote_glob(const std::string& pattern);
    void print_summary(const protocol::Reply& reply, const std::string& name, std::uint64_t bytes,
                       double seconds);

    // --- output
    void on_reply(const protocol::Reply& reply);
    void show(const protocol::Reply& reply);  // a command's result, when chatty and not -v
    void report(std::string_view context, std::string_view message);
    bool chatty() const { return interactive_ || verbose_; }

    // --- input
    std::optional<std::string> next_line();
    void run_commands(const std::vector<std::string>& lines);

    Options options_;
    bool interactive_;      // stdin is a terminal
    bool progress_bar_;     // stdout is a terminal
    bool verbose_;
    bool binary_ = true;    // the type for the next transfer
    bool quit_ = false;
    bool failed_ = false;
    bool greeting_pending_ = false;  // connecting: the greeting is shown after "Connected to"
    std::string context_;   // the command being run, for error messages
    DataSettings data_preference_;
    std::unique_ptr<TlsClient> tls_;  // with -s or ftps:// only
    std::unique_ptr<FtpConnection> conn_;
    std::string logged_in_as_;
    std::unique_ptr<LineEditor> editor_;
    std::map<std::string, std::vector<RemoteEntry>> completion_cache_;
};

}  // namespace ftpd::client
