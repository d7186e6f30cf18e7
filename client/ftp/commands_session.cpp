// ftp client commands about the session itself: help, open, close, quit, user,
// status, passive/active, binary/ascii, verbose, quote and the shell escape.
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "client/ftp/commands.hpp"
#include "client/ftp/options.hpp"
#include "client/ftp/shell.hpp"

namespace ftpd::client {
namespace {

// "on"/"off" sets, nothing toggles; anything else is a usage error.
bool toggle(const CommandLine& c, bool current) {
    if (c.words.size() < 2) return !current;
    if (c.words[1] == "on") return true;
    if (c.words[1] == "off") return false;
    throw UsageError();
}

const char* on_off(bool v) { return v ? "on" : "off"; }

}  // namespace

void Shell::cmd_help(const CommandLine& c) {
    if (c.words.size() == 2) {
        const CommandSpec* spec = find_command(c.words[1]);
        if (!spec) throw CommandError("no such command: " + c.words[1]);
        std::cout << std::left << std::setw(9) << spec->name << spec->help << "\n"
                  << "         " << usage_of(*spec) << "\n";
        return;
    }
    std::cout << "Commands (help COMMAND for more):\n";
    for (const auto& spec : all_commands()) {
        std::cout << "  " << std::left << std::setw(9) << spec.name << spec.help << "\n";
    }
}

void Shell::cmd_open(const CommandLine& c) {
    if (conn_) throw CommandError("already connected to " + conn_->host() + ", use close first");
    const std::uint16_t default_port =
        options_.security == Security::implicit_tls ? kDefaultFtpsPort : kDefaultFtpPort;
    const std::uint16_t port = c.words.size() > 2 ? parse_port(c.words[2]) : default_port;
    open_connection(c.words[1], port);
    if (options_.auto_login) login(std::nullopt, std::nullopt);
}

void Shell::cmd_close(const CommandLine&) {
    conn_->quit();
    drop_connection();
}

void Shell::cmd_quit(const CommandLine&) {
    if (conn_) conn_->quit();
    drop_connection();
    quit_ = true;
}

void Shell::cmd_user(const CommandLine& c) {
    std::optional<std::string> password;
    if (c.words.size() > 2) password = c.words[2];
    login(c.words[1], password);
}

void Shell::cmd_status(const CommandLine&) {
    if (conn_) {
        std::cout << "Connected to " << conn_->host() << " port " << conn_->port() << ".\n";
        std::cout << "Logged in as: " << (logged_in_as_.empty() ? "(nobody)" : logged_in_as_) << "\n";
        if (conn_->control().is_tls()) {
            std::cout << "TLS: " << conn_->control().protection() << ", certificate "
                      << (tls_->verifies_peer() ? "verified" : "NOT verified (-k)") << "\n"
                      << "Data connections: " << (conn_->data_protected() ? "TLS (PROT P)" : "clear text (PROT C)")
                      << "\n";
        } else {
            std::cout << "TLS: off (clear text)\n";
        }
    } else {
        std::cout << "Not connected.\n";
    }
    const DataSettings& d = conn_ ? conn_->data_settings() : data_preference_;
    if (d.mode == DataMode::passive) {
        std::cout << "Mode: passive (" << (d.epsv_works ? "EPSV, then PASV" : "PASV") << ")\n";
    } else {
        std::cout << "Mode: active (" << (d.eprt_works ? "EPRT, then PORT" : "PORT") << ")\n";
    }
    std::cout << "Type: " << (binary_ ? "binary" : "ascii") << "\n"
              << "Verbose: " << on_off(verbose_) << "\n"
              << "Progress bar: " << on_off(progress_bar_) << "\n";
}

void Shell::cmd_passive(const CommandLine& c) {
    const bool passive = toggle(c, data_preference_.mode == DataMode::passive);
    data_preference_.mode = passive ? DataMode::passive : DataMode::active;
    if (conn_) conn_->data_settings().mode = data_preference_.mode;
    std::cout << "Passive mode: " << on_off(passive) << ".\n";
}

void Shell::cmd_active(const CommandLine&) {
    data_preference_.mode = DataMode::active;
    if (conn_) conn_->data_settings().mode = DataMode::active;
    std::cout << "Passive mode: off (active: EPRT, falling back to PORT).\n";
}

void Shell::cmd_binary(const CommandLine&) {
    binary_ = true;
    if (conn_) conn_->set_type(true);
    if (chatty()) std::cout << "Type: binary.\n";
}

void Shell::cmd_ascii(const CommandLine&) {
    binary_ = false;
    if (conn_) conn_->set_type(false);
    if (chatty()) std::cout << "Type: ascii.\n";
}

void Shell::cmd_verbose(const CommandLine& c) {
    verbose_ = toggle(c, verbose_);
    std::cout << "Verbose mode: " << on_off(verbose_) << ".\n";
}

void Shell::cmd_quote(const CommandLine& c) {
    const auto reply = connection().command(c.rest);
    if (!verbose_) std::cout << reply_lines(reply) << std::flush;  // the answer is the result
    if (reply.transient_negative() || reply.permanent_negative()) throw FtpError(reply);
}

void Shell::cmd_shell(const CommandLine& c) {
    std::cout << std::flush;
    std::string command = c.rest;
    if (command.empty()) {
        const char* sh = std::getenv("SHELL");
        command = sh && *sh ? sh : "/bin/sh";
    }
    const int status = std::system(command.c_str());
    if (status == -1) throw CommandError("cannot run /bin/sh");
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        throw CommandError("exit status " + std::to_string(WEXITSTATUS(status)));
    if (WIFSIGNALED(status)) throw CommandError("killed by signal " + std::to_string(WTERMSIG(status)));
}

}  // namespace ftpd::client
