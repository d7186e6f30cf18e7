// read_new_password() and hash_password() (password.hpp).
#include "client/ftpctl/password.hpp"

#include <crypt.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>

namespace ftpd::client {
namespace {

// Echo off on the terminal for its lifetime; SIGINT/SIGTERM/SIGHUP/SIGTSTP are held back
// meanwhile, so the terminal is never left without echo.
class NoEcho {
public:
    explicit NoEcho(int fd) : fd_(fd) {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGQUIT}) sigaddset(&set, s);
        ::sigprocmask(SIG_BLOCK, &set, &old_mask_);
        if (::tcgetattr(fd_, &old_) == 0) {
            termios t = old_;
            t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            t.c_lflag |= ECHONL;
            ok_ = ::tcsetattr(fd_, TCSAFLUSH, &t) == 0;
        }
    }
    ~NoEcho() {
        if (ok_) ::tcsetattr(fd_, TCSAFLUSH, &old_);
        ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

private:
    int fd_;
    termios old_{};
    sigset_t old_mask_{};
    bool ok_ = false;
};

// One line from fd, without "\n" or "\r\n"; false at EOF before any byte.
bool read_line(int fd, std::string& out) {
    out.clear();
    char c = 0;
    for (;;) {
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return !out.empty();
        if (c == '\n') break;
        out += c;
    }
    if (!out.empty() && out.back() == '\r') out.pop_back();
    return true;
}

void wipe(std::string& s) {
    ::explicit_bzero(s.data(), s.size());
    s.clear();
}

std::string ask(int tty, const char* prompt) {
    (void)!::write(tty, prompt, std::strlen(prompt));
    std::string line;
    NoEcho quiet(tty);
    if (!read_line(tty, line)) throw PasswordError("no password given");
    return line;
}

void check(const std::string& pw) {
    if (pw.empty()) throw PasswordError("empty password");
    if (pw.find('\0') != std::string::npos) throw PasswordError("the password holds a NUL byte");
}

}  // namespace

std::string read_new_password(bool from_stdin) {
    std::string pw;
    if (from_stdin) {
        if (!read_line(STDIN_FILENO, pw)) throw PasswordError("no password on standard input");
        check(pw);
        return pw;
    }
    int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (tty < 0) throw PasswordError("no terminal to ask for the password (use --password-stdin)");
    struct Close {
        int fd;
        ~Close() { ::close(fd); }
    } closer{tty};
    pw = ask(tty, "New password: ");
    std::string again = ask(tty, "Retype new password: ");
    bool same = pw == again;
    wipe(again);
    if (!same) {
        wipe(pw);
        throw PasswordError("the passwords do not match");
    }
    check(pw);
    return pw;
}

std::string hash_password(const std::string& password) {
    for (const char* prefix : {"$y$", "$6$"}) {
        char setting[CRYPT_GENSALT_OUTPUT_SIZE];
        // rbytes null: libcrypt takes the random bytes from the kernel (getentropy).
        if (!::crypt_gensalt_rn(prefix, 0, nullptr, 0, setting, sizeof setting)) continue;
        auto data = std::make_unique<crypt_data>();
        const char* out = ::crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
        std::string hash = out && out[0] != '*' ? out : "";
        ::explicit_bzero(data.get(), sizeof(crypt_data));
        if (!hash.empty()) return hash;
    }
    throw PasswordError("libcrypt makes neither yescrypt nor SHA-512 hashes here");
}

}  // namespace ftpd::client
