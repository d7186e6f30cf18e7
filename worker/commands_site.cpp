// SITE commands, as vsftpd offers them: CHMOD (writers only), UMASK (this session's mask
// for new files and directories), UTIME (as proftpd and pure-ftpd: set a file's times) and
// HELP (also HELP SITE). Runs in a worker's session; CHMOD reaches its
// file only through FsRoot, on a file-system thread, so it never changes anything outside
// the root.
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <utility>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

constexpr std::string_view kSiteHelp =
    "SITE commands:\n CHMOD <mode> <path>\n UMASK [<mask>]\n UTIME <path> <YYYYMMDDhhmmss> "
    "(or <path> <atime> <mtime> <ctime> UTC)\n HELP\nEnd.";

// "644", "0755": an octal permission mode without setuid, setgid or sticky bits.
std::optional<unsigned> parse_mode(std::string_view text) {
    unsigned mode = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || mode > 0777) return std::nullopt;
    return mode;
}

std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%03o", mode);
    return buf;
}

// The first word, upper-cased, and the rest after one blank.
std::pair<std::string, std::string> split_word(const std::string& arg) {
    auto blank = arg.find(' ');
    std::string word = arg.substr(0, blank);
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return std::toupper(c); });
    return {word, blank == std::string::npos ? std::string() : arg.substr(blank + 1)};
}

}  // namespace

awaitable<void> Session::cmd_site(const std::string& arg) {
    auto [word, rest] = split_word(arg);
    if (word == "HELP") {
        reply(code::kHelp, kSiteHelp);
    } else if (word == "UTIME") {  // proftpd, pure-ftpd, lftp, ncftp
        auto parsed = protocol::parse_site_utime(rest);
        if (!parsed) {
            reply(code::kSyntaxErrorArgs, "Usage: SITE UTIME path YYYYMMDDhhmmss, or path ATIME MTIME CTIME UTC");
            co_return;
        }
        if (co_await set_file_times(parsed->path, parsed->modify, parsed->access))
            reply(code::kOk, "SITE UTIME command ok.");
    } else if (word == "UMASK") {
        if (rest.empty()) {
            reply(code::kOk, "Your current UMASK is " + octal(umask_));
        } else if (auto mask = parse_mode(rest)) {
            umask_ = *mask;
            reply(code::kOk, "UMASK set to " + octal(umask_));
        } else {
            reply(code::kSyntaxErrorArgs, "Bad UMASK value.");
        }
    } else if (word == "CHMOD") {
        if (refuse_write()) co_return;
        auto [mode_text, path] = split_word(rest);
        auto mode = parse_mode(mode_text);
        if (!mode || path.empty()) {
            reply(code::kSyntaxErrorArgs, "Usage: SITE CHMOD <octal mode> <path>");
            co_return;
        }
        std::string vpath = resolve(path);
        fs::Call<fs::Done> chmod_call = [root = root_, vpath, mode = *mode] {
            fs::Result<fs::Done> out;
            root->chmod(vpath, mode, out.ec);
            return out;
        };
        auto r = co_await fs_call<fs::Done>(fs::Op::chmod, vpath, std::move(chmod_call));
        if (!r)
            reply_fs_error(r.ec, path);
        else
            reply(code::kOk, "SITE CHMOD command ok.");
    } else {
        reply(code::kSyntaxError, "Unknown SITE command.");
    }
}

}  // namespace ftpd::worker
