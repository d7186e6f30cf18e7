// The ftp client's main loop: where commands come from (terminal, pipe or -c), how a
// line becomes a handler call, and how failures become "ftp: CMD: what" on stderr
// and a non-zero exit status. Runs in the ftp client.
#include "client/ftp/shell.hpp"

#include <cstdlib>
#include <iostream>

#include "client/ftp/commands.hpp"
#include "client/ftp/glob.hpp"
#include "client/ftp/interrupt.hpp"
#include "client/ftp/terminal.hpp"

namespace ftpd::client {

namespace code = protocol::code;

Shell::Shell(Options options)
    : options_(std::move(options)),
      interactive_(stdin_is_terminal()),
      progress_bar_(stdout_is_terminal()),
      verbose_(options_.verbose) {
    data_preference_.mode = options_.passive ? DataMode::passive : DataMode::active;
    if (options_.security != Security::none)
        tls_ = std::make_unique<TlsClient>(TlsSettings{options_.verify_peer, options_.ca_file});
    if (interactive_ && !options_.commands) {
        editor_ = std::make_unique<LineEditor>("ftp", [this](std::string_view before, std::string_view word) {
            return complete(before, word);
        });
    }
}

Shell::~Shell() = default;

int Shell::run() {
    if (options_.host) connect_from_command_line();
    if (options_.commands) {
        run_commands(split_commands(*options_.commands));
    } else {
        while (!quit_) {
            auto line = next_line();
            if (!line) break;
            execute(*line);
        }
    }
    if (conn_) {
        conn_->quit();
        conn_.reset();
    }
    return failed_ ? 1 : 0;
}

void Shell::connect_from_command_line() {
    context_ = "open " + *options_.host;
    try {
        open_connection(*options_.host, options_.port);
        const auto& url = options_.url;
        if (url) {
            login(url->user.value_or("anonymous"), url->password);  // RFC 1738: no user, anonymous
            if (!url->path.empty()) apply_url_path(*url);
        } else if (options_.auto_login) {
            login(std::nullopt, std::nullopt);
        }
    } catch (const std::exception& e) {
        report(context_, e.what());
        if (dynamic_cast<const ConnectionLost*>(&e)) drop_connection();
    }
}

void Shell::run_commands(const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
        if (quit_) break;
        execute(line);
    }
}

std::optional<std::string> Shell::next_line() {
    if (editor_) {
        std::cout << std::flush;
        auto line = editor_->read_line("ftp> ");
        if (!line) std::cout << "\n";
        return line;
    }
    if (interactive_) return read_plain_line("ftp> ");
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    return line;
}

bool Shell::execute(std::string_view line) {
    CommandLine cmd;
    try {
        cmd = split_words(line);
    } catch (const std::invalid_argument& e) {
        report(line, e.what());
        return false;
    }
    if (cmd.words.empty() || cmd.words[0].starts_with('#')) return true;
    const CommandSpec* spec = find_command(cmd.words[0]);
    if (!spec) {
        report(cmd.words[0], "unknown command (type help for a list)");
        return false;
    }
    context_.clear();
    for (const auto& w : cmd.words) context_ += (context_.empty() ? "" : " ") + w;
    if (spec->name == "!") context_ = "!" + cmd.rest;
    const bool had_failed = failed_;
    failed_ = false;
    const int nargs = static_cast<int>(cmd.words.size()) - 1;
    try {
        if (nargs < spec->min_args || (spec->max_args >= 0 && nargs > spec->max_args)) throw UsageError();
        if (spec->needs_connection && !conn_) throw CommandError("not connected (use open HOST first)");
        (this->*spec->handler)(cmd);
    } catch (const UsageError&) {
        report("", usage_of(*spec));
    } catch (const ConnectionLost& e) {
        report(context_, e.what());
        drop_connection();
    } catch (const Interrupted&) {
        std::cout << "\n";
        report(context_, "interrupted");
    } catch (const std::exception& e) {
        report(context_, e.what());
    }
    completion_cache_.clear();  // the command may have changed the remote side
    const bool ok = !failed_;
    failed_ = failed_ || had_failed;
    return ok;
}

void Shell::report(std::string_view context, std::string_view message) {
    std::cout << std::flush;
    std::cerr << "ftp: ";
    if (!context.empty()) std::cerr << context << ": ";
    std::cerr << message << std::endl;
    failed_ = true;
}

void Shell::on_reply(const protocol::Reply& reply) {
    if (verbose_ && !greeting_pending_) std::cout << reply_lines(reply) << std::flush;
}

void Shell::show(const protocol::Reply& reply) {
    if (interactive_ && !verbose_) std::cout << reply_lines(reply) << std::flush;
}

FtpConnection& Shell::connection() {
    if (!conn_) throw CommandError("not connected (use open HOST first)");
    return *conn_;
}

void Shell::open_connection(const std::string& host, std::uint16_t port) {
    InterruptGuard interruptible;  // Ctrl-C gives up on a slow connect
    greeting_pending_ = true;      // shown below, after "Connected to"
    if (tls_ && !tls_->verifies_peer())
        std::cerr << "ftp: warning: -k: the server's TLS certificate is not verified\n";
    try {
        conn_ = std::make_unique<FtpConnection>(host, port, options_.security, tls_.get(),
                                                [this](const protocol::Reply& r) { on_reply(r); });
    } catch (...) {
        greeting_pending_ = false;
        throw;
    }
    greeting_pending_ = false;
    logged_in_as_.clear();
    conn_->data_settings().mode = data_preference_.mode;
    if (chatty()) {
        std::cout << "Connected to " << host << ".\n" << reply_lines(conn_->control().greeting()) << std::flush;
    }
    if (conn_->control().greeting().code != code::kServiceReady) {
        const protocol::Reply greeting = conn_->control().greeting();
        drop_connection();
        throw FtpError(greeting);
    }
    if (options_.security == Security::explicit_tls) {
        try {
            conn_->start_tls();
        } catch (...) {
            drop_connection();  // never used in clear text, nor after a failed handshake
            throw;
        }
    }
    show_protection();
}

void Shell::show_protection() {
    if (!chatty() || !conn_->control().is_tls()) return;
    std::cout << "TLS: " << conn_->control().protection() << " ("
              << (tls_->verifies_peer() ? "certificate verified" : "certificate NOT verified") << ")\n"
              << std::flush;
}

void Shell::drop_connection() {
    conn_.reset();
    logged_in_as_.clear();
    completion_cache_.clear();
}

void Shell::login(std::optional<std::string> user, std::optional<std::string> password) {
    FtpConnection& c = connection();
    if (!user) {
        // Without a terminal nobody can answer the prompt: log in anonymously.
        user = "anonymous";
        if (interactive_) {
            const std::string def = local_user_name();
            auto typed = read_plain_line("Name (" + c.host() + ":" + def + "): ");
            if (!typed) throw CommandError("login cancelled");
            user = typed->empty() ? def : *typed;
        }
    }
    auto reply = c.command("USER " + *user);
    if (reply.code == code::kNeedPassword) {
        const bool anonymous = *user == "anonymous" || *user == "ftp";
        if (!password && anonymous) {
            const char* env = std::getenv("FTPANONPASS");
            password = env && *env ? env : "anonymous@";
        }
        if (!password && interactive_) password = read_password("Password: ");
        if (!password) throw CommandError("login as " + *user + " needs a password (user NAME PASSWORD)");
        reply = c.command("PASS " + *password);
    }
    if (reply.code == code::kNeedAccount) throw CommandError("the server wants an account (ACCT), which is not supported");
    if (!reply.positive_completion()) throw FtpError(reply);
    show(reply);
    logged_in_as_ = *user;
    if (c.control().is_tls() && !c.data_protected()) c.protect_data();
    c.load_features();
    c.set_type(binary_);
}

void Shell::apply_url_path(const FtpUrl& url) {
    FtpConnection& c = connection();
    std::string path = url.path;
    const bool is_dir = path.ends_with('/');
    if (is_dir && path.size() > 1) path.pop_back();
    const auto reply = c.command("CWD " + path);
    if (reply.positive_completion()) {
        show(reply);
        return;
    }
    if (is_dir) throw FtpError(reply);
    // Not a directory: fetch it, as BSD ftp's autofetch does, and leave.
    context_ = "get " + url.path;
    quit_ = true;
    download(url.path, split_dir(url.path).base, false);
}

std::vector<std::string> Shell::complete(std::string_view before, std::string_view word) {
    const CommandLine line = split_words(before);
    std::vector<std::string> candidates;
    if (line.words.empty()) {
        for (const auto& spec : all_commands()) candidates.emplace_back(spec.name);
        return names_with_prefix(word, std::move(candidates));
    }
    const CommandSpec* spec = find_command(line.words[0]);
    if (!spec || spec->completion == Completion::none) return {};
    if (spec->completion == Completion::command) {
        for (const auto& s : all_commands()) candidates.emplace_back(s.name);
        return names_with_prefix(word, std::move(candidates));
    }
    const PathSplit split = split_dir(word);
    if (spec->completion == Completion::local) {
        for (const auto& e : local_entries(split.dir.empty() ? "." : split.dir))
            candidates.push_back(split.dir + e);
        return names_with_prefix(word, std::move(candidates));
    }
    if (!conn_) return {};
    auto it = completion_cache_.find(split.dir);
    if (it == completion_cache_.end()) {
        const bool was_verbose = verbose_;
        verbose_ = false;  // the listing must not scribble over the line being edited
        try {
            it = completion_cache_.emplace(split.dir, conn_->directory_entries(split.dir)).first;
        } catch (...) {
            verbose_ = was_verbose;
            throw;
        }
        verbose_ = was_verbose;
    }
    for (const auto& e : it->second) candidates.push_back(split.dir + e.name + (e.type == 'd' ? "/" : ""));
    return names_with_prefix(word, std::move(candidates));
}

}  // namespace ftpd::client
