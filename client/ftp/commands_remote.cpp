// ftp client commands on remote (and the local) directories and names: cd, cdup,
// pwd, lcd, ls/dir, nlist, delete, mkdir, rmdir, rename, size, modtime.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>

#include "client/ftp/shell.hpp"
#include "worker/protocol/listing.hpp"

namespace ftpd::client {

namespace code = protocol::code;

namespace {

// The path quoted in a 257 reply ("\"/pub\" is the current directory"), with RFC 959's
// doubled quotes undone; the whole text when there are no quotes.
std::string quoted_path(const std::string& text) {
    const auto open = text.find('"');
    if (open == std::string::npos) return text;
    std::string out;
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
                out += '"';
                ++i;
                continue;
            }
            return out;
        }
        out += text[i];
    }
    return text;
}

std::string utc_time(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
}

}  // namespace

void Shell::cmd_cd(const CommandLine& c) { show(connection().expect_ok("CWD " + c.words[1])); }

void Shell::cmd_cdup(const CommandLine&) { show(connection().expect_ok("CDUP")); }

void Shell::cmd_pwd(const CommandLine&) {
    const auto reply = connection().expect_ok("PWD");
    std::cout << "Remote directory: " << quoted_path(reply.text) << "\n";
}

void Shell::cmd_lcd(const CommandLine& c) {
    std::string dir;
    if (c.words.size() > 1) {
        dir = c.words[1];
    } else {
        const char* home = std::getenv("HOME");
        dir = home && *home ? home : "/";
    }
    if (::chdir(dir.c_str()) != 0) throw CommandError(dir + ": " + std::strerror(errno));
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) std::cout << "Local directory now " << cwd << "\n";
}

void Shell::cmd_ls(const CommandLine& c) {
    std::cout << connection().listing("LIST", c.words.size() > 1 ? c.words[1] : "") << std::flush;
}

void Shell::cmd_nlist(const CommandLine& c) {
    std::cout << connection().listing("NLST", c.words.size() > 1 ? c.words[1] : "") << std::flush;
}

void Shell::cmd_delete(const CommandLine& c) { show(connection().expect_ok("DELE " + c.words[1])); }

void Shell::cmd_mkdir(const CommandLine& c) { show(connection().expect_ok("MKD " + c.words[1])); }

void Shell::cmd_rmdir(const CommandLine& c) { show(connection().expect_ok("RMD " + c.words[1])); }

void Shell::cmd_rename(const CommandLine& c) {
    FtpConnection& conn = connection();
    const auto from = conn.command("RNFR " + c.words[1]);
    if (from.code != code::kPendingFurtherInfo) throw FtpError(from);
    show(conn.expect_ok("RNTO " + c.words[2]));
}

void Shell::cmd_size(const CommandLine& c) {
    const auto reply = connection().expect_ok("SIZE " + c.words[1]);
    std::cout << c.words[1] << "\t" << reply.text << "\n";
}

void Shell::cmd_modtime(const CommandLine& c) {
    const auto reply = connection().expect_ok("MDTM " + c.words[1]);
    const auto t = protocol::parse_mdtm(reply.text.substr(0, reply.text.find(' ')));
    if (!t) throw CommandError("cannot parse the MDTM reply: " + reply_line(reply));
    std::cout << c.words[1] << "\t" << utc_time(*t) << "\n";
}

}  // namespace ftpd::client
