// Client-chosen text (user names, paths, PROXY and TLS fields) as it may appear in a log
// line or an operator message: nobody can forge a line (fail2ban reads these) or drive the
// terminal that shows it. Used in workers, the master and the users-file parser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ftpd::worker {

// Length of the well-formed UTF-8 sequence at s[i] (2-4), or 0 when there is none
// (overlong forms, surrogates and code points above U+10FFFF are not well formed).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = at(i);
    std::size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k)
        if ((at(i + k) & 0xC0) != 0x80) return 0;
    const unsigned char d = at(i + 1);
    if ((c == 0xE0 && d < 0xA0) || (c == 0xED && d > 0x9F) || (c == 0xF0 && d < 0x90) || (c == 0xF4 && d > 0x8F))
        return 0;
    return len;
}

// s with every control character (C0, DEL, the C1 range U+0080-U+009F, which terminals
// read as escape sequences too, and the line separators U+2028 and U+2029) and every byte that is not part of well-formed
// UTF-8 written as \xNN; other UTF-8 text is kept as it is.
inline std::string printable(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    const auto escape = [&](unsigned char c) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    };
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t len = c >= 0x80 ? utf8_sequence_length(s, i) : 0;
        const auto next = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
        bool c1 = len == 2 && c == 0xC2 && next(1) < 0xA0;
        bool separator = len == 3 && c == 0xE2 && next(1) == 0x80 && (next(2) == 0xA8 || next(2) == 0xA9);
        if (len == 0 || c1 || separator) {
            std::size_t n = len == 0 ? 1 : len;
            for (std::size_t k = 0; k < n; ++k) escape(next(k));
            i += n;
            continue;
        }
        out.append(s, i, len);
        i += len;
    }
    return out;
}

}  // namespace ftpd::worker
