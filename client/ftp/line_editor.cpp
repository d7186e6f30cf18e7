// libedit (readline interface) for the ftp client's prompt: history and completion
// through the Completer the shell supplies. Runs only when stdin is a terminal.
// Keys are read by our own function, which also watches a self-pipe that SIGINT
// writes to: Ctrl-C at the prompt drops the line, whenever it arrives.
#include "client/ftp/line_editor.hpp"

#include <editline/readline.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ftpd::client {
namespace {

LineEditor::Completer g_completer;  // the live LineEditor's; empty when there is none
std::vector<std::string> g_candidates;
int g_sigint_pipe[2] = {-1, -1};
bool g_interrupted = false;  // the last read_key() ended because of Ctrl-C

extern "C" void on_prompt_sigint(int) {
    const int saved = errno;
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(g_sigint_pipe[1], &byte, 1);  // async-signal-safe
    errno = saved;
}

// One byte from the terminal; false at end of input, on error, or on Ctrl-C.
bool read_byte(int fd, unsigned char& out) {
    for (;;) {
        pollfd p[2] = {{fd, POLLIN, 0}, {g_sigint_pipe[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;  // the pipe tells whether it was SIGINT
            return false;
        }
        if (p[1].revents & POLLIN) {
            char drain[64];
            while (::read(g_sigint_pipe[0], drain, sizeof drain) > 0) {
            }
            g_interrupted = true;
            return false;
        }
        const ssize_t n = ::read(fd, &out, 1);
        if (n == 1) return true;
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return false;
    }
}

// libedit's key reader: one character as a code point (UTF-8 decoded when the
// locale is multibyte, else a byte), -1 at the end.
int read_key(FILE* in) {
    unsigned char first = 0;
    if (!read_byte(::fileno(in), first)) return -1;
    if (MB_CUR_MAX == 1) return first;
    const int more = first < 0x80 ? 0 : (first >> 5) == 0x6 ? 1 : (first >> 4) == 0xe ? 2 : (first >> 3) == 0x1e ? 3 : 0;
    int code = more == 0 ? first : first & (0x3f >> more);
    for (int i = 0; i < more; ++i) {
        unsigned char next = 0;
        if (!read_byte(::fileno(in), next)) return -1;
        code = (code << 6) | (next & 0x3f);
    }
    return code;
}

char* next_candidate(const char*, int state) {
    static std::size_t index = 0;
    if (state == 0) index = 0;
    if (index >= g_candidates.size()) return nullptr;
    return ::strdup(g_candidates[index++].c_str());
}

char** attempt_completion(const char* text, int start, int) {
    rl_attempted_completion_over = 1;  // never fall back to local file names
    if (!g_completer) return nullptr;
    try {
        g_candidates = g_completer(std::string_view(rl_line_buffer, static_cast<std::size_t>(start)), text);
    } catch (...) {
        g_candidates.clear();  // a failed listing only means no completion
    }
    if (g_candidates.empty()) return nullptr;
    // A lone directory gets no blank after it, so the user can go on typing inside.
    const bool lone_dir = g_candidates.size() == 1 && g_candidates[0].ends_with('/');
    rl_completion_append_character = lone_dir ? '\0' : ' ';
    return rl_completion_matches(text, next_candidate);
}

}  // namespace

LineEditor::LineEditor(const char* program, Completer completer) {
    g_completer = std::move(completer);
    if (g_sigint_pipe[0] < 0 && ::pipe2(g_sigint_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        g_sigint_pipe[0] = g_sigint_pipe[1] = -1;
    }
    rl_readline_name = program;
    rl_attempted_completion_function = attempt_completion;
    rl_basic_word_break_characters = " \t\n";
    if (g_sigint_pipe[0] >= 0) rl_getc_function = read_key;
    using_history();
    stifle_history(500);
}

LineEditor::~LineEditor() {
    rl_attempted_completion_function = nullptr;
    g_completer = nullptr;
}

std::optional<std::string> LineEditor::read_line(const std::string& prompt) {
    // Ctrl-C at the prompt must not end the session (BSD ftp does not either).
    struct sigaction on_int{}, previous{};
    on_int.sa_handler = g_sigint_pipe[0] >= 0 ? on_prompt_sigint : SIG_IGN;
    sigemptyset(&on_int.sa_mask);
    ::sigaction(SIGINT, &on_int, &previous);
    g_interrupted = false;
    char* raw = ::readline(prompt.c_str());
    ::sigaction(SIGINT, &previous, nullptr);
    if (g_interrupted) {  // drop whatever was typed, start a fresh line
        std::free(raw);
        std::fputs("\n", rl_outstream ? rl_outstream : stdout);
        return std::string();
    }
    if (!raw) return std::nullopt;
    std::string line(raw);
    std::free(raw);
    if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
    return line;
}

}  // namespace ftpd::client
