// Line editing at the ftp> prompt with libedit (history, tab completion), used only
// when stdin is a terminal. libedit's readline interface keeps global state, so
// there is at most one LineEditor at a time.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::client {

class LineEditor {
public:
    // Candidates for the word being completed, given the line before that word.
    using Completer =
        std::function<std::vector<std::string>(std::string_view before, std::string_view word)>;

    LineEditor(const char* program, Completer completer);
    ~LineEditor();
    LineEditor(const LineEditor&) = delete;
    LineEditor& operator=(const LineEditor&) = delete;

    // One line, added to the history when it is not blank; nullopt at end of input.
    // Ctrl-C abandons the line being typed and gives an empty one.
    std::optional<std::string> read_line(const std::string& prompt);
};

}  // namespace ftpd::client
