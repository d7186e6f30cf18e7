// Parsers of MFMT, SITE UTIME, HASH, RANG and the legacy hash commands. Pure.
#include "worker/protocol/extension_args.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace ftpd::protocol {

namespace {

// The blank-separated words of s (runs of blanks count as one).
std::vector<std::string_view> words_of(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        std::size_t b = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > b) out.push_back(s.substr(b, i - b));
    }
    return out;
}

std::optional<std::uint64_t> number(std::string_view s) {
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto up = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; };
               return up(x) == up(y);
           });
}

// SITE UTIME's proftpd form takes YYYYMMDDhhmm without seconds as well.
std::optional<Timestamp> utime_time(std::string_view s) {
    if (s.size() == 12) {
        std::string with_seconds(s);
        with_seconds += "00";
        return parse_timestamp(with_seconds);
    }
    return parse_timestamp(s);
}

// The text of s after its first n words and the blank that follows them (a path that may
// hold blanks of its own).
std::string_view after_words(std::string_view s, std::size_t n) {
    std::size_t i = 0;
    for (std::size_t w = 0; w < n; ++w) {
        while (i < s.size() && s[i] == ' ') ++i;
        while (i < s.size() && s[i] != ' ') ++i;
    }
    if (i < s.size()) ++i;
    return s.substr(std::min(i, s.size()));
}

// The text of s before its last n words and the blank before them.
std::string_view before_words(std::string_view s, std::size_t n) {
    std::size_t i = s.size();
    for (std::size_t w = 0; w < n; ++w) {
        while (i > 0 && s[i - 1] == ' ') --i;
        while (i > 0 && s[i - 1] != ' ') --i;
    }
    if (i > 0) --i;
    return s.substr(0, i);
}

}  // namespace

std::optional<SetTimes> parse_mfmt(std::string_view arg) {
    auto blank = arg.find(' ');
    if (blank == std::string_view::npos) return std::nullopt;
    auto t = parse_timestamp(arg.substr(0, blank));
    std::string_view path = arg.substr(blank + 1);
    if (!t || path.empty()) return std::nullopt;
    return SetTimes{*t, std::nullopt, std::string(path)};
}

std::optional<SetTimes> parse_site_utime(std::string_view arg) {
    auto w = words_of(arg);
    if (w.size() >= 5 && iequals(w.back(), "UTC")) {  // path ATIME MTIME CTIME UTC
        auto atime = utime_time(w[w.size() - 4]), mtime = utime_time(w[w.size() - 3]);
        auto ctime = utime_time(w[w.size() - 2]);
        std::string_view path = before_words(arg, 4);
        if (atime && mtime && ctime && !path.empty()) return SetTimes{*mtime, atime, std::string(path)};
    }
    if (w.size() >= 5 && iequals(w[3], "UTC")) {  // ATIME MTIME CTIME UTC path
        auto atime = utime_time(w[0]), mtime = utime_time(w[1]), ctime = utime_time(w[2]);
        std::string_view path = after_words(arg, 4);
        if (atime && mtime && ctime && !path.empty()) return SetTimes{*mtime, atime, std::string(path)};
    }
    if (w.size() >= 2) {
        if (auto t = utime_time(w.front())) {  // YYYYMMDDhhmm[ss] path
            std::string_view path = after_words(arg, 1);
            if (!path.empty()) return SetTimes{*t, std::nullopt, std::string(path)};
        }
        if (auto t = utime_time(w.back())) {  // path YYYYMMDDhhmmss
            std::string_view path = before_words(arg, 1);
            if (!path.empty()) return SetTimes{*t, std::nullopt, std::string(path)};
        }
    }
    return std::nullopt;
}

std::string_view hash_name(HashAlgorithm a) noexcept {
    switch (a) {
        case HashAlgorithm::sha256: return "SHA-256";
        case HashAlgorithm::sha512: return "SHA-512";
        case HashAlgorithm::sha1: return "SHA-1";
        case HashAlgorithm::md5: return "MD5";
        case HashAlgorithm::crc32: return "CRC32";
    }
    return "";
}

std::optional<HashAlgorithm> parse_hash_name(std::string_view name) {
    for (HashAlgorithm a : kHashAlgorithms)
        if (iequals(name, hash_name(a))) return a;
    return std::nullopt;
}

std::string hash_feat_text(HashAlgorithm selected) {
    std::string out = "HASH ";
    for (HashAlgorithm a : kHashAlgorithms) {
        if (a != kHashAlgorithms[0]) out += ';';
        out += hash_name(a);
        if (a == selected) out += '*';
    }
    return out;
}

std::optional<HashAlgorithm> legacy_hash_algorithm(std::string_view verb) {
    if (verb == "XSHA256") return HashAlgorithm::sha256;
    if (verb == "XSHA512") return HashAlgorithm::sha512;
    if (verb == "XSHA1") return HashAlgorithm::sha1;
    if (verb == "XMD5") return HashAlgorithm::md5;
    if (verb == "XCRC") return HashAlgorithm::crc32;
    return std::nullopt;
}

std::optional<RangeArg> parse_rang(std::string_view arg) {
    auto w = words_of(arg);
    if (w.size() != 2) return std::nullopt;
    auto start = number(w[0]), end = number(w[1]);
    if (!start || !end) return std::nullopt;
    if (*start == 1 && *end == 0) return RangeArg{0, 0, true};
    if (*end < *start) return std::nullopt;
    return RangeArg{*start, *end, false};
}

std::optional<LegacyHashArg> parse_legacy_hash(std::string_view arg) {
    LegacyHashArg out;
    std::string_view rest;
    if (!arg.empty() && arg.front() == '"') {
        auto close = arg.find('"', 1);
        if (close == std::string_view::npos || close == 1) return std::nullopt;
        out.path = std::string(arg.substr(1, close - 1));
        rest = arg.substr(close + 1);
        auto w = words_of(rest);
        if (w.size() > 2) return std::nullopt;
        if (w.size() >= 1 && !(number(w[0]))) return std::nullopt;
        if (w.size() == 2 && !(number(w[1]))) return std::nullopt;
        if (w.size() >= 1) out.start = *number(w[0]);
        if (w.size() == 2) out.end = *number(w[1]);
    } else {
        // Trailing numbers are the range: "name 0 100"; a name that ends in numbers needs quotes.
        auto w = words_of(arg);
        if (w.empty()) return std::nullopt;
        std::size_t numbers = 0;
        while (numbers < 2 && numbers + 1 < w.size() && number(w[w.size() - 1 - numbers])) ++numbers;
        out.path = std::string(before_words(arg, numbers));
        if (numbers == 0) out.path = std::string(arg);
        if (numbers >= 1) out.start = *number(w[w.size() - numbers]);
        if (numbers == 2) out.end = *number(w[w.size() - 1]);
        if (out.path.empty()) return std::nullopt;
    }
    if (out.end != 0 && out.end < out.start) return std::nullopt;
    return out;
}

}  // namespace ftpd::protocol
