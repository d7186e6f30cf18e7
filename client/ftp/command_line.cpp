// Word splitting for the ftp client's command lines: shell-like quoting, no expansion.
// Runs in the ftp client; pure, so the unit tests cover every quoting rule.
#include "client/ftp/command_line.hpp"

#include <stdexcept>

namespace ftpd::client {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// Reads one word starting at s[i] (not a blank); returns the index just past it.
std::size_t read_word(std::string_view s, std::size_t i, std::string& word) {
    while (i < s.size() && !is_blank(s[i])) {
        const char c = s[i];
        if (c == '\\') {
            if (i + 1 >= s.size()) throw std::invalid_argument("trailing backslash");
            word += s[i + 1];
            i += 2;
        } else if (c == '\'') {
            const auto close = s.find('\'', i + 1);
            if (close == std::string_view::npos) throw std::invalid_argument("unterminated quote");
            word.append(s.substr(i + 1, close - i - 1));
            i = close + 1;
        } else if (c == '"') {
            ++i;
            while (i < s.size() && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) ++i;
                word += s[i++];
            }
            if (i >= s.size()) throw std::invalid_argument("unterminated quote");
            ++i;
        } else {
            word += c;
            ++i;
        }
    }
    return i;
}

}  // namespace

CommandLine split_words(std::string_view line) {
    line = trim(line);
    CommandLine out;
    if (line.empty()) return out;
    if (line.front() == '!') {  // shell escape: the rest goes to /bin/sh verbatim
        out.words.push_back("!");
        out.rest = std::string(trim(line.substr(1)));
        if (!out.rest.empty()) out.words.push_back(out.rest);
        return out;
    }
    std::size_t i = 0;
    while (i < line.size()) {
        if (is_blank(line[i])) {
            ++i;
            continue;
        }
        std::string word;
        i = read_word(line, i, word);
        out.words.push_back(std::move(word));
        if (out.words.size() == 1) {
            std::size_t j = i;
            while (j < line.size() && is_blank(line[j])) ++j;
            out.rest = std::string(line.substr(j));
        }
    }
    return out;
}

std::vector<std::string> split_commands(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && quote != '\'' && i + 1 < text.size()) {
            current += c;
            current += text[++i];
            continue;
        }
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == ';' || c == '\n') {
            if (auto t = trim(current); !t.empty()) out.emplace_back(t);
            current.clear();
            continue;
        }
        current += c;
    }
    if (auto t = trim(current); !t.empty()) out.emplace_back(t);
    return out;
}

std::string quote_word(std::string_view word) {
    std::string out;
    for (char c : word) {
        if (is_blank(c) || c == '\\' || c == '\'' || c == '"' || c == ';') out += '\\';
        out += c;
    }
    return out;
}

}  // namespace ftpd::client
