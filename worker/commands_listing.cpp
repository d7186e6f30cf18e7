// Listings: LIST and NLST (ls -l lines, names), MLSD and MLST (RFC 3659 facts), and STAT
// with a path (the listing on the control connection). Runs in a worker's session; every
// path goes through FsRoot on a file-system thread, and dot-files stay hidden unless
// show_hidden = yes. A directory is read in batches and streamed, so a million entries never
// sit in memory; one read within kSortTime whole is sorted by name first.
#include "worker/file_facts.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

constexpr std::size_t kBatch = 512;                        // entries per file-system call
constexpr auto kBatchTime = std::chrono::milliseconds(100);  // and time per call, at most
constexpr std::size_t kSortedMax = 4096;                    // a directory sorted before it is sent:
constexpr auto kSortTime = std::chrono::seconds(1);         // at most this big, read within this long

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

// The target's stat and, for a directory, its reader: one call.
struct Opened {
    struct stat st {};
    fs::DirPtr dir;
};

}  // namespace

std::string Session::mlsx_line(const std::string& name, const struct stat& st, const struct stat& parent) const {
    Permissions p{may_write_, settings_.upload_overwrite, ::geteuid(), ::getegid()};
    std::string line = protocol::format_mlsx_facts(file_info(name, st), mlsx_perm(st, parent, p));
    return mlst_facts_ == kAllMlstFacts ? line : select_facts(line, mlst_facts_);
}

awaitable<fs::Result<fs::DirReader::Batch>> Session::next_entries(const fs::DirPtr& dir) {
    fs::Call<fs::DirReader::Batch> list_call = [dir] { return dir->next(kBatch, kBatchTime); };
    co_return co_await fs_call<fs::DirReader::Batch>(fs::Op::list, dir->path(), std::move(list_call));
}

awaitable<std::optional<Session::ListingSource>> Session::open_listing(const std::string& vpath,
                                                                       const std::string& shown, bool need_dir) {
    fs::Call<Opened> list_call = [root = root_, vpath, hidden = settings_.show_hidden] {
        fs::Result<Opened> out;
        if (!root->stat(vpath, out.value.st, out.ec) || !S_ISDIR(out.value.st.st_mode)) return out;
        auto dir = fs::DirReader::open(root, vpath, hidden);
        out.ec = dir.ec;
        out.value.dir = std::move(dir.value);
        return out;
    };
    auto opened = co_await fs_call<Opened>(fs::Op::list, vpath, std::move(list_call));
    if (!opened) {
        reply_fs_error(opened.ec, shown);
        co_return std::nullopt;
    }
    ListingSource src{vpath, opened.value.st, std::move(opened.value.dir), {}, true};
    if (!src.dir) {
        if (need_dir) {
            reply(code::kSyntaxErrorArgs, shown + ": Not a directory.");  // RFC 3659 7.2.1
            co_return std::nullopt;
        }
        src.first.push_back({std::string(fs::base_name(vpath)), src.st});
        co_return src;
    }
    // Read ahead before the 150: a small directory read quickly goes out sorted by name.
    auto until = Clock::now() + kSortTime;
    src.end = false;
    while (!src.end && src.first.size() < kSortedMax && Clock::now() < until) {
        auto batch = co_await next_entries(src.dir);
        if (!batch) {
            reply_fs_error(batch.ec, shown);
            co_return std::nullopt;
        }
        src.end = batch.value.end;
        for (auto& e : batch.value.entries) src.first.push_back(std::move(e));
    }
    if (src.end)
        std::sort(src.first.begin(), src.first.end(),
                  [](const fs::DirEntry& a, const fs::DirEntry& b) { return a.name < b.name; });
    co_return src;
}

std::string Session::listing_text(const std::vector<fs::DirEntry>& entries, ListingKind kind,
                                  const ListingSource& src, const std::string& target) const {
    std::string text;
    auto now = now_seconds();
    for (const auto& e : entries) {
        if (kind == ListingKind::list)
            text += protocol::format_list_line(file_info(e.name, e.st), now);
        else if (kind == ListingKind::mlsd)
            text += mlsx_line(e.name, e.st, src.st);
        else if (!src.dir || target.empty())
            text += e.name;  // NLST names files the way the client asked for the directory
        else
            text += target + (target.back() == '/' ? "" : "/") + e.name;
        text += "\r\n";
    }
    return text;
}

awaitable<void> Session::send_listing(const std::string& arg, ListingKind kind) {
    rest_ = 0;
    range_.reset();
    std::string target = kind == ListingKind::mlsd ? arg : strip_list_options(arg);
    std::string shown = target.empty() ? "." : target;
    auto src = co_await open_listing(resolve(target), shown, kind == ListingKind::mlsd);
    if (!src) co_return;
    if (!co_await open_data("Here comes the directory listing.")) co_return;
    start_monitor(kind == ListingKind::list ? "LIST" : kind == ListingKind::names ? "NLST" : "MLSD", 0);
    auto result = co_await send_buffer(listing_text(src->first, kind, *src, target));
    src->first = {};
    while (!result && !src->end) {
        auto batch = co_await next_entries(src->dir);
        if (!batch) {
            transfer_fs_error_ = batch.ec;
            break;
        }
        src->end = batch.value.end;
        result = co_await send_buffer(listing_text(batch.value.entries, kind, *src, target));
    }
    result = co_await end_transfer(result);
    finish_data(result, "Directory send OK.");
}

awaitable<void> Session::cmd_list(const std::string& arg) { co_await send_listing(arg, ListingKind::list); }

awaitable<void> Session::cmd_nlst(const std::string& arg) { co_await send_listing(arg, ListingKind::names); }

// RFC 3659 section 7: one facts line per entry of a directory, on the data connection.
awaitable<void> Session::cmd_mlsd(const std::string& arg) { co_await send_listing(arg, ListingKind::mlsd); }

// RFC 3659 section 7: the facts of one object, on the control connection ("250-", a line
// that starts with a space, "250 End.").
awaitable<void> Session::cmd_mlst(const std::string& arg) {
    std::string shown = arg.empty() ? "." : arg;
    std::string path = resolve(arg);
    struct Both {
        struct stat st {}, parent {};
    };
    fs::Call<Both> stat_call = [root = root_, path] {
        fs::Result<Both> out;
        if (root->stat(path, out.value.st, out.ec)) root->stat(fs::parent_path(path), out.value.parent, out.ec);
        return out;
    };
    auto r = co_await fs_call<Both>(fs::Op::stat, path, std::move(stat_call));
    if (!r) {
        reply_fs_error(r.ec, shown);
        co_return;
    }
    reply(code::kFileActionOk, "Listing " + shown + "\n " + mlsx_line(path, r.value.st, r.value.parent) + "\nEnd.");
}

// The listing goes out in pieces of one multi-line reply: 213 for a file, 212 for a
// directory, flushed after each batch.
awaitable<void> Session::status_listing(const std::string& arg) {
    std::string target = strip_list_options(arg);
    auto src = co_await open_listing(resolve(target), target, false);
    if (!src) co_return;
    auto now = now_seconds();
    int code = src->dir ? code::kDirectoryStatus : code::kFileStatus;
    out_ += protocol::format_reply_first_line(code, "Status of " + target + ":");
    auto append = [&](const std::vector<fs::DirEntry>& entries) {
        for (const auto& e : entries)
            out_ += protocol::format_reply_middle_line(protocol::format_list_line(file_info(e.name, e.st), now));
    };
    append(src->first);
    src->first = {};
    std::string last = "End of status.";
    while (!src->end) {
        co_await flush();
        auto batch = co_await next_entries(src->dir);
        if (!batch) {
            last = "End of status (the listing is incomplete: " + std::string(fs::is_fs_errc(batch.ec) ?
                   batch.ec.message() : "local error") + ").";
            break;
        }
        src->end = batch.value.end;
        append(batch.value.entries);
    }
    reply(code, last);
}

}  // namespace ftpd::worker
