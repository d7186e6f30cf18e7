// libedit (readline interface) for the ftp client's prompt: history and completion
// through the Completer the shell supplies. Runs only when stdin is a terminal.
#include "client/ftp/line_editor.hpp"

#include <editline/readline.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ftpd::client {
namespace {

LineEditor::Completer g_completer;  // the live LineEditor's; empty when there is none
std::vector<std::string> g_candidates;

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
    rl_readline_name = program;
    rl_attempted_completion_function = attempt_completion;
    rl_basic_word_break_characters = " \t\n";
    using_history();
    stifle_history(500);
}

LineEditor::~LineEditor() {
    rl_attempted_completion_function = nullptr;
    g_completer = nullptr;
}

std::optional<std::string> LineEditor::read_line(const std::string& prompt) {
    // Ctrl-C at the prompt must not end the session (BSD ftp ignores it there too).
    struct sigaction ignore{}, previous{};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGINT, &ignore, &previous);
    errno = 0;
    char* raw = ::readline(prompt.c_str());
    const int read_errno = errno;
    ::sigaction(SIGINT, &previous, nullptr);
    if (!raw && read_errno == EINTR) {  // libedit gives up its read on a signal: a fresh prompt
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
