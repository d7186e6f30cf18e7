// LIST (`ls -l`, vsftpd layout), MLSD/MLST (RFC 3659) and MDTM formatting and parsing.
// Pure: calendar arithmetic is std::chrono's, in UTC; no stat(), no clock except
// in the one parse_list_line overload that says so.
#include "worker/protocol/listing.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <vector>

namespace ftpd::protocol {
namespace {

constexpr std::int64_t kMinTime = -62167219200;              // 0000-01-01 00:00:00 UTC
constexpr std::int64_t kMaxTime = 253402300799;              // 9999-12-31 23:59:59 UTC
constexpr std::int64_t kRecentSeconds = 60 * 60 * 24 * 182;  // vsftpd's "6 months"
constexpr std::int64_t kDaySeconds = 86400;
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
    int year;
    unsigned month, day, hour, minute, second;
};

Civil to_civil(std::int64_t t) {
    using namespace std::chrono;
    const sys_seconds tp{seconds{std::clamp(t, kMinTime, kMaxTime)}};
    const auto midnight = floor<days>(tp);
    const year_month_day ymd{midnight};
    const hh_mm_ss hms{tp - midnight};
    return {static_cast<int>(ymd.year()),
            static_cast<unsigned>(ymd.month()),
            static_cast<unsigned>(ymd.day()),
            static_cast<unsigned>(hms.hours().count()),
            static_cast<unsigned>(hms.minutes().count()),
            static_cast<unsigned>(hms.seconds().count())};
}

// Unix seconds of a UTC date and time; nullopt when it names no real moment.
std::optional<std::int64_t> from_civil(const Civil& c) {
    using namespace std::chrono;
    const year_month_day ymd{year{c.year}, month{c.month}, day{c.day}};
    if (!ymd.ok() || c.hour > 23 || c.minute > 59 || c.second > 60) return std::nullopt;
    const std::int64_t days_since_epoch = sys_days{ymd}.time_since_epoch().count();
    return days_since_epoch * kDaySeconds + c.hour * 3600 + c.minute * 60 + c.second;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }
char to_lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), to_lower_ascii);
    return out;
}

// A non-empty run of digits in the given base that fits in 64 bits.
std::optional<std::uint64_t> parse_unsigned(std::string_view s, unsigned base = 10) {
    if (s.empty()) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : s) {
        const char l = to_lower_ascii(c);
        unsigned digit = is_digit(l)              ? unsigned(l - '0')
                         : (l >= 'a' && l <= 'f') ? unsigned(l - 'a' + 10)
                                                  : 99;
        if (digit >= base || value > (UINT64_MAX - digit) / base) return std::nullopt;
        value = value * base + digit;
    }
    return value;
}

// Names go out on one line each: a CR, LF or NUL would split or end it.
std::string displayable_name(std::string_view name) {
    std::string out(name);
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; }, '?');
    return out;
}

char type_char(const FileInfo& info) {
    switch (info.type) {
        case 'd': return 'd';
        case 'l': return 'l';
        case 'o':
            switch (info.mode & S_IFMT) {
                case S_IFIFO: return 'p';
                case S_IFSOCK: return 's';
                case S_IFCHR: return 'c';
                case S_IFBLK: return 'b';
                default: return '-';
            }
        default: return '-';
    }
}

// "drwxr-sr-t": setuid/setgid/sticky as s/S and t/T, as ls and vsftpd show them.
std::string permissions(const FileInfo& info) {
    std::string p = "----------";
    p[0] = type_char(info);
    const char* const rwx = "rwxrwxrwx";
    for (int bit = 0; bit < 9; ++bit) {
        if (info.mode & (0400u >> bit)) p[1 + bit] = rwx[bit];
    }
    auto special = [&](std::uint32_t flag, std::size_t at, char set) {
        if (info.mode & flag) p[at] = p[at] == 'x' ? set : static_cast<char>(set - 'a' + 'A');
    };
    special(S_ISUID, 3, 's');
    special(S_ISGID, 6, 's');
    special(S_ISVTX, 9, 't');
    return p;
}

std::string list_date(std::int64_t mtime, std::int64_t now) {
    // Clamped first, so that now - mtime cannot overflow.
    mtime = std::clamp(mtime, kMinTime, kMaxTime);
    now = std::clamp(now, kMinTime, kMaxTime);
    const Civil c = to_civil(mtime);
    const bool recent = mtime <= now && now - mtime <= kRecentSeconds;
    char buf[32];
    if (recent) {
        std::snprintf(buf, sizeof buf, "%s %02u %02u:%02u", kMonths[c.month - 1].data(), c.day,
                      c.hour, c.minute);
    } else {
        std::snprintf(buf, sizeof buf, "%s %02u  %04d", kMonths[c.month - 1].data(), c.day, c.year);
    }
    return buf;
}

std::string pad_left(std::string s, std::size_t width) {
    if (s.size() < width) s.insert(0, width - s.size(), ' ');
    return s;
}

std::string pad_right(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

}  // namespace

std::string format_list_line(const FileInfo& info, std::int64_t now) {
    return permissions(info) + ' ' + pad_left(std::to_string(info.nlink), 4) + ' ' +
           pad_right(info.owner, 8) + ' ' + pad_right(info.group, 8) + ' ' +
           pad_left(std::to_string(info.size), 8) + ' ' + list_date(info.mtime, now) + ' ' +
           displayable_name(info.name);
}

std::string format_mlsx_facts(const FileInfo& info, std::string_view perm) {
    std::string out = "type=";
    switch (info.type) {
        case 'f': out += "file"; break;
        case 'd': out += "dir"; break;
        case 'l': out += "OS.unix=symlink"; break;
        default: out += "OS.unix=special"; break;
    }
    out += ';';
    if (info.type == 'f') out += "size=" + std::to_string(info.size) + ';';
    out += "modify=" + format_timestamp({info.mtime, info.mtime_ns}) + ';';
    if (!perm.empty()) out += "perm=" + std::string(perm) + ';';
    char facts[128];
    std::snprintf(facts, sizeof facts, "unique=%llXU%llX;UNIX.mode=%04o;UNIX.owner=%u;UNIX.group=%u;",
                  static_cast<unsigned long long>(info.dev), static_cast<unsigned long long>(info.ino),
                  static_cast<unsigned>(info.mode & 07777), info.uid, info.gid);
    out += facts;
    return out + ' ' + displayable_name(info.name);
}

std::string format_mdtm(std::int64_t unix_seconds) {
    const Civil c = to_civil(unix_seconds);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02u%02u%02u%02u%02u", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
    return buf;
}

std::optional<std::int64_t> parse_mdtm(std::string_view text) {
    constexpr std::size_t kDigits = 14;
    if (text.size() < kDigits || !std::all_of(text.begin(), text.begin() + kDigits, is_digit)) {
        return std::nullopt;
    }
    const std::string_view fraction = text.substr(kDigits);
    if (!fraction.empty() && (fraction.size() < 2 || fraction[0] != '.' ||
                              !std::all_of(fraction.begin() + 1, fraction.end(), is_digit))) {
        return std::nullopt;
    }
    auto field = [&](std::size_t at, std::size_t len) {
        return static_cast<unsigned>(*parse_unsigned(text.substr(at, len)));
    };
    return from_civil(Civil{static_cast<int>(field(0, 4)), field(4, 2), field(6, 2), field(8, 2),
                            field(10, 2), field(12, 2)});
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
    constexpr std::size_t kDigits = 14;
    const std::string_view fraction = text.size() > kDigits ? text.substr(kDigits) : std::string_view();
    if (!fraction.empty() && (fraction.size() < 2 || fraction.size() > 10)) return std::nullopt;
    auto seconds = parse_mdtm(text);
    if (!seconds) return std::nullopt;
    Timestamp t{*seconds, 0};
    if (!fraction.empty()) {
        std::uint32_t ns = 0, scale = 100'000'000;
        for (char c : fraction.substr(1)) {
            ns += static_cast<std::uint32_t>(c - '0') * scale;
            scale /= 10;
        }
        t.nanoseconds = ns;
    }
    return t;
}

std::string format_timestamp(const Timestamp& t) {
    std::string out = format_mdtm(t.seconds);
    if (t.nanoseconds >= 1'000'000) {
        char frac[8];
        std::snprintf(frac, sizeof frac, ".%03u", t.nanoseconds / 1'000'000);
        out += frac;
    }
    return out;
}

namespace {

struct Token {
    std::size_t begin, end;
};

std::vector<Token> tokenize(std::string_view line) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i])) ++i;
        const std::size_t begin = i;
        while (i < line.size() && !is_blank(line[i])) ++i;
        if (i > begin) tokens.push_back({begin, i});
    }
    return tokens;
}

// "drwxr-xr-x" (an 11th ACL/xattr marker '+', '.' or '@' allowed) -> type and mode.
std::optional<std::pair<char, std::uint32_t>> parse_permissions(std::string_view p) {
    if (p.size() == 11 && std::string_view("+.@").find(p[10]) != std::string_view::npos) {
        p.remove_suffix(1);
    }
    if (p.size() != 10) return std::nullopt;
    std::uint32_t mode = 0;
    char type = 'o';
    switch (p[0]) {
        case '-': type = 'f'; break;
        case 'd': type = 'd'; break;
        case 'l': type = 'l'; break;
        case 'p': mode = S_IFIFO; break;
        case 's': mode = S_IFSOCK; break;
        case 'c': mode = S_IFCHR; break;
        case 'b': mode = S_IFBLK; break;
        case 'D': break;  // Solaris door
        default: return std::nullopt;
    }
    const char* const rwx = "rwxrwxrwx";
    for (int bit = 0; bit < 9; ++bit) {
        const char c = p[1 + bit];
        const bool exec_slot = bit % 3 == 2;
        const char special = bit == 8 ? 't' : 's';
        const std::uint32_t special_flag = bit == 2 ? S_ISUID : bit == 5 ? S_ISGID : S_ISVTX;
        if (c == rwx[bit]) {
            mode |= 0400u >> bit;
        } else if (exec_slot && c == special) {
            mode |= (0400u >> bit) | special_flag;
        } else if (exec_slot && c == special - 'a' + 'A') {
            mode |= special_flag;
        } else if (c != '-') {
            return std::nullopt;
        }
    }
    return std::pair{type, mode};
}

std::optional<unsigned> parse_month(std::string_view s) {
    if (s.size() != 3) return std::nullopt;
    for (unsigned m = 0; m < kMonths.size(); ++m) {
        if (lower(s) == lower(kMonths[m])) return m + 1;
    }
    return std::nullopt;
}

bool is_number(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// The mtime of "Mon DD HH:MM" or "Mon DD YYYY"; nullopt if these three tokens are no date.
std::optional<std::int64_t> parse_list_date(std::string_view mon, std::string_view dd,
                                            std::string_view last, std::int64_t now) {
    now = std::clamp(now, kMinTime, kMaxTime);  // so that now + a day cannot overflow
    const auto month = parse_month(mon);
    if (!month || dd.size() > 2 || !is_number(dd)) return std::nullopt;
    const auto day = static_cast<unsigned>(*parse_unsigned(dd));
    if (last.size() == 4 && is_number(last)) {
        return from_civil(Civil{static_cast<int>(*parse_unsigned(last)), *month, day, 0, 0, 0});
    }
    const std::size_t colon = last.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || last.size() != colon + 3 ||
        !is_number(last.substr(0, colon)) || !is_number(last.substr(colon + 1))) {
        return std::nullopt;
    }
    Civil c{to_civil(now).year,
            *month,
            day,
            static_cast<unsigned>(*parse_unsigned(last.substr(0, colon))),
            static_cast<unsigned>(*parse_unsigned(last.substr(colon + 1))),
            0};
    // ls shows HH:MM only for the last six months: take the year that is not in the future.
    auto t = from_civil(c);
    if (!t || *t > now + kDaySeconds) {
        --c.year;
        t = from_civil(c);
    }
    return t;
}

}  // namespace

std::optional<FileInfo> parse_list_line(std::string_view line, std::int64_t now) {
    const auto tok = tokenize(line);
    auto text = [&](std::size_t k) { return line.substr(tok[k].begin, tok[k].end - tok[k].begin); };
    if (tok.size() < 8) return std::nullopt;
    const auto perms = parse_permissions(text(0));
    if (!perms) return std::nullopt;

    for (std::size_t i = 4; i + 3 < tok.size(); ++i) {  // a name token must follow
        const auto size = parse_unsigned(text(i - 1));
        const auto mtime = parse_list_date(text(i), text(i + 1), text(i + 2), now);
        if (!size || !mtime) continue;

        FileInfo info;
        info.type = perms->first;
        info.mode = perms->second;
        info.size = *size;
        info.mtime = *mtime;
        // "perms links owner group size"; with one field less, either the group or the
        // link count is missing (some servers omit each), told apart by the digits.
        const auto links = parse_unsigned(text(1));
        const std::size_t owner_at = (i == 4 && !links) ? 1 : 2;
        info.nlink = links.value_or(1);
        info.owner = std::string(text(owner_at));
        info.group = owner_at + 1 < i - 1 ? std::string(text(owner_at + 1)) : std::string();
        info.name = std::string(line.substr(tok[i + 2].end + 1));
        if (info.type == 'l') info.name = info.name.substr(0, info.name.find(" -> "));
        if (info.name.empty()) return std::nullopt;
        return info;
    }
    return std::nullopt;
}

std::optional<FileInfo> parse_list_line(std::string_view line) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return parse_list_line(line, now.count());
}

namespace {

char mlsx_type(std::string_view value) {
    const std::string v = lower(value);
    if (v == "file") return 'f';
    if (v == "dir" || v == "cdir" || v == "pdir") return 'd';
    if (v.starts_with("os.unix=symlink") || v.starts_with("os.unix=slink")) return 'l';
    return 'o';
}

// "803U1234": hex device, 'U', hex inode, as format_mlsx_facts writes it.
void parse_unique(std::string_view value, FileInfo& info) {
    const std::size_t u = lower(value).find('u');
    if (u == std::string_view::npos) return;
    const auto dev = parse_unsigned(value.substr(0, u), 16);
    const auto ino = parse_unsigned(value.substr(u + 1), 16);
    if (dev && ino) {
        info.dev = *dev;
        info.ino = *ino;
    }
}

void apply_fact(std::string_view name, std::string_view value, FileInfo& info) {
    const std::string fact = lower(name);
    if (fact == "type") {
        info.type = mlsx_type(value);
    } else if (fact == "size" || fact == "sizd") {
        info.size = parse_unsigned(value).value_or(info.size);
    } else if (fact == "modify") {
        info.mtime = parse_mdtm(value).value_or(info.mtime);
    } else if (fact == "unique") {
        parse_unique(value, info);
    } else if (fact == "unix.mode") {
        info.mode =
            static_cast<std::uint32_t>(parse_unsigned(value, 8).value_or(info.mode) & 07777);
    } else if (fact == "unix.owner" || fact == "unix.ownername") {
        info.owner = std::string(value);
    } else if (fact == "unix.group" || fact == "unix.groupname") {
        info.group = std::string(value);
    } else if (fact == "unix.nlink") {
        info.nlink = parse_unsigned(value).value_or(info.nlink);
    }
}

}  // namespace

std::optional<FileInfo> parse_mlsx_line(std::string_view line) {
    // RFC 3659 7.2: fact values hold no blank, so the first blank ends the facts.
    const std::size_t blank = line.find(' ');
    if (blank == std::string_view::npos || blank + 1 >= line.size()) return std::nullopt;
    FileInfo info;
    info.name = std::string(line.substr(blank + 1));
    std::string_view facts = line.substr(0, blank);
    while (!facts.empty()) {
        const std::size_t semi = facts.find(';');
        const std::string_view fact = facts.substr(0, semi);
        const std::size_t eq = fact.find('=');
        if (eq != std::string_view::npos) apply_fact(fact.substr(0, eq), fact.substr(eq + 1), info);
        if (semi == std::string_view::npos) break;
        facts.remove_prefix(semi + 1);
    }
    return info;
}

}  // namespace ftpd::protocol
