// Client-chosen text (user names, paths) as it may appear in a log line or an operator
// message: control characters escaped as \xNN, so nobody can forge a line (fail2ban reads
// these). Used in workers and by the users-file parser.
#pragma once

#include <string>
#include <string_view>

namespace ftpd::worker {

inline std::string printable(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace ftpd::worker
