// Aligned text tables for `ftpctl status`, and making segment text safe for a terminal.
// Runs in ftpctl only. Text from the status segment (user and file names come from FTP
// clients) goes through terminal_text() before it reaches a cell: no escape sequences.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/ftpctl/json_writer.hpp"

namespace ftpd::client {

// s with control characters (C0, DEL, C1) replaced by '?' and each byte that is not
// well-formed UTF-8 by U+FFFD, so that it cannot move a terminal's cursor or change its state.
inline std::string terminal_text(std::string_view s) {
    // Fast path (most cells: numbers, addresses, ASCII names): printable ASCII stays as is.
    if (std::all_of(s.begin(), s.end(), [](char ch) { return ch >= 0x20 && ch < 0x7F; })) return std::string(s);
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence_length(s, i);
        const auto c = static_cast<unsigned char>(s[i]);
        const bool c1 = len == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
        if (len == 0) out += "\xEF\xBF\xBD";  // U+FFFD
        else if (c < 0x20 || c == 0x7F || c1) out += '?';
        else out.append(s, i, len);
        i += len == 0 ? 1 : len;
    }
    return out;
}

// How many columns a terminal gives valid UTF-8 text: one per character (wide East Asian
// characters are counted as one).
inline std::size_t display_width(std::string_view utf8) noexcept {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char ch) {
        return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;  // not a continuation byte
    }));
}

enum class Align { left, right };

struct Column {
    std::string_view title;
    Align align;
};

// Rows under a header line; columns two spaces apart, each padded to its widest cell in
// characters, trailing blanks cut. Cells must already be terminal_text().
class TextTable {
public:
    explicit TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

    void add_row(std::vector<std::string> cells) {
        assert(cells.size() == columns_.size());
        rows_.push_back(std::move(cells));
    }

    std::string render() const {
        std::vector<std::size_t> widths;
        for (const Column& c : columns_) widths.push_back(display_width(c.title));
        for (const auto& row : rows_)
            for (std::size_t i = 0; i < widths.size(); ++i)
                widths[i] = std::max(widths[i], display_width(row.at(i)));
        std::vector<std::string> titles;
        for (const Column& c : columns_) titles.emplace_back(c.title);
        std::string out;
        render_line(out, titles, widths);
        for (const auto& row : rows_) render_line(out, row, widths);
        return out;
    }

private:
    void render_line(std::string& out, const std::vector<std::string>& cells,
                     const std::vector<std::size_t>& widths) const {
        const std::size_t start = out.size();
        for (std::size_t i = 0; i < columns_.size(); ++i) {
            if (i > 0) out += "  ";
            const std::size_t pad = widths[i] - display_width(cells[i]);
            if (columns_[i].align == Align::right) out.append(pad, ' ');
            out += cells[i];
            if (columns_[i].align == Align::left) out.append(pad, ' ');
        }
        const std::size_t last = out.find_last_not_of(' ');
        out.resize(last == std::string::npos || last < start ? start : last + 1);
        out += '\n';
    }

    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace ftpd::client
