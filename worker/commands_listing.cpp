// Listings: LIST and NLST (ls -l lines, names), MLSD and MLST (RFC 3659 facts), and STAT
// with a path (the listing on the control connection). Runs in a worker's session; every
// path goes through FsRoot, and dot-files stay hidden unless show_hidden = yes.
#include "worker/file_facts.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <unistd.h>

#include <ctime>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

// LIST/NLST/STAT arguments: leading "-la"-style option words are skipped (dot-files stay
// hidden whatever they say), the rest is a path.
std::string strip_list_options(const std::string& arg) {
    std::size_t i = 0;
    while (i < arg.size() && arg[i] == '-') {
        std::size_t end = arg.find(' ', i);
        if (end == std::string::npos) return {};
        i = end + 1;
        while (i < arg.size() && arg[i] == ' ') ++i;
    }
    return arg.substr(i);
}

std::int64_t now_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace

std::string Session::mlsx_line(const std::string& name, const struct stat& st, const struct stat& parent) const {
    Permissions p{may_write_, settings_.upload_overwrite, ::geteuid(), ::getegid()};
    std::string line = protocol::format_mlsx_facts(file_info(name, st), mlsx_perm(st, parent, p));
    return mlst_facts_ == kAllMlstFacts ? line : select_facts(line, mlst_facts_);
}

awaitable<void> Session::send_listing(const std::string& arg, bool names_only) {
    rest_ = 0;
    std::string target = strip_list_options(arg);
    std::string shown = target.empty() ? "." : target;
    std::string path = resolve(target);
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(path, st, ec)) {
        reply_fs_error(ec, shown);
        co_return;
    }
    std::vector<DirEntry> entries;
    if (S_ISDIR(st.st_mode)) {
        entries = root_->list(path, settings_.show_hidden, ec);
        if (ec) {
            reply_fs_error(ec, shown);
            co_return;
        }
    } else {
        entries.push_back({std::string(base_name(path)), st});
    }
    std::string text;
    auto now = now_seconds();
    for (const auto& e : entries) {
        if (!names_only)
            text += protocol::format_list_line(file_info(e.name, e.st), now);
        else if (!S_ISDIR(st.st_mode) || target.empty())
            text += e.name;  // NLST names files the way the client asked for the directory
        else
            text += target + (target.back() == '/' ? "" : "/") + e.name;
        text += "\r\n";
    }
    if (!co_await open_data("Here comes the directory listing.")) co_return;
    start_monitor(names_only ? "NLST" : "LIST", text.size());
    auto result = co_await end_transfer(co_await send_buffer(text));
    finish_data(result, "Directory send OK.");
}

awaitable<void> Session::cmd_list(const std::string& arg) { co_await send_listing(arg, false); }

awaitable<void> Session::cmd_nlst(const std::string& arg) { co_await send_listing(arg, true); }

// RFC 3659 section 7: one facts line per entry of a directory, on the data connection.
awaitable<void> Session::cmd_mlsd(const std::string& arg) {
    rest_ = 0;
    std::string shown = arg.empty() ? "." : arg;
    std::string path = resolve(arg);
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(path, st, ec)) {
        reply_fs_error(ec, shown);
        co_return;
    }
    if (!S_ISDIR(st.st_mode)) {
        reply(code::kSyntaxErrorArgs, shown + ": Not a directory.");
        co_return;
    }
    auto entries = root_->list(path, settings_.show_hidden, ec);
    if (ec) {
        reply_fs_error(ec, shown);
        co_return;
    }
    std::string text;
    for (const auto& e : entries) text += mlsx_line(e.name, e.st, st) + "\r\n";
    if (!co_await open_data("Here comes the directory listing.")) co_return;
    start_monitor("MLSD", text.size());
    auto result = co_await end_transfer(co_await send_buffer(text));
    finish_data(result, "Directory send OK.");
}

// RFC 3659 section 7: the facts of one object, on the control connection ("250-", a line
// that starts with a space, "250 End.").
awaitable<void> Session::cmd_mlst(const std::string& arg) {
    std::string shown = arg.empty() ? "." : arg;
    std::string path = resolve(arg);
    struct stat st {}, parent {};
    std::error_code ec;
    if (!root_->stat(path, st, ec) || !root_->stat(parent_path(path), parent, ec)) {
        reply_fs_error(ec, shown);
        co_return;
    }
    reply(code::kFileActionOk, "Listing " + shown + "\n " + mlsx_line(path, st, parent) + "\nEnd.");
}

void Session::status_listing(const std::string& arg) {
    std::string target = strip_list_options(arg);
    std::string path = resolve(target);
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(path, st, ec)) {
        reply_fs_error(ec, target);
        return;
    }
    std::string text = "Status of " + target + ":";
    auto now = now_seconds();
    if (!S_ISDIR(st.st_mode)) {
        text += "\n" + protocol::format_list_line(file_info(std::string(base_name(path)), st), now);
        reply(code::kFileStatus, text + "\nEnd of status.");
        return;
    }
    auto entries = root_->list(path, settings_.show_hidden, ec);
    if (ec) {
        reply_fs_error(ec, target);
        return;
    }
    for (const auto& e : entries) text += "\n" + protocol::format_list_line(file_info(e.name, e.st), now);
    reply(code::kDirectoryStatus, text + "\nEnd of status.");
}

}  // namespace ftpd::worker
