// Telnet stripping and command splitting for the control connection (RFC 959, 854).
// Pure functions; parse_command is fuzzed and must accept any byte string.
#include "worker/protocol/command.hpp"

namespace ftpd::protocol {
namespace {

constexpr unsigned char kIac = 255;
constexpr unsigned char kDont = 254;
constexpr unsigned char kWill = 251;
constexpr unsigned char kInterruptProcess = 244;
constexpr unsigned char kDataMark = 242;
constexpr std::size_t kMaxVerb = 4;        // letters
constexpr std::size_t kMaxVerbDigits = 3;  // XSHA256, XSHA1, XMD5: the hash extensions

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

char to_upper_ascii(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

std::string to_upper_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_upper_ascii(c);
    return out;
}

std::string strip_telnet(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    std::size_t i = 0;
    while (i < line.size()) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (c != kIac) {
            out.push_back(line[i++]);
            continue;
        }
        if (i + 1 >= line.size()) break;  // a lone IAC at the end carries nothing
        const auto cmd = static_cast<unsigned char>(line[i + 1]);
        if (cmd == kIac) {
            out.push_back(static_cast<char>(kIac));
            i += 2;
        } else if (cmd >= kWill && cmd <= kDont) {
            i += 3;  // option negotiation: IAC verb option
        } else {
            i += 2;
            // A BSD client sends "IAC IP" then "IAC DM" with the IAC as TCP urgent data;
            // without SO_OOBINLINE the kernel drops that IAC and leaves a bare DM here
            // (vsftpd matches "\377\364\362ABOR" for the same reason).
            if (cmd == kInterruptProcess && i < line.size() &&
                static_cast<unsigned char>(line[i]) == kDataMark) {
                ++i;
            }
        }
    }
    return out;
}

std::optional<Command> parse_command(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t verb_start = i;
    while (i < line.size() && is_ascii_letter(line[i])) ++i;
    const std::size_t letters = i - verb_start;
    while (i < line.size() && is_ascii_digit(line[i])) ++i;
    const std::size_t verb_len = i - verb_start;
    if (letters == 0 || letters > kMaxVerb || verb_len - letters > kMaxVerbDigits) return std::nullopt;
    if (i < line.size() && line[i] != ' ') return std::nullopt;

    Command cmd;
    cmd.verb.reserve(verb_len);
    for (char c : line.substr(verb_start, verb_len)) cmd.verb.push_back(to_upper_ascii(c));
    if (i < line.size()) cmd.arg.assign(line.substr(i + 1));
    return cmd;
}

bool is_safe_path_arg(std::string_view arg) {
    return arg.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

}  // namespace ftpd::protocol
