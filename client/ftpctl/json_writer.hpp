// A tiny JSON writer for `ftpctl status --json`, and the UTF-8 check it shares with the
// table formatter. Runs in ftpctl only. Whatever bytes it is given (user names and file
// names come from FTP clients), the output is valid JSON in UTF-8: never a raw control
// character, never an invalid byte.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::client {

// The length (1-4) of the well-formed UTF-8 sequence that starts at s[i], or 0 when the
// bytes there are not one (stray continuation byte, overlong form, surrogate, above
// U+10FFFF, truncated). Requires i < s.size().
constexpr std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto at = [s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char b0 = at(i);
    if (b0 < 0x80) return 1;
    // RFC 3629 table 4: the range of the second byte depends on the first.
    unsigned char lo = 0x80, hi = 0xBF;
    std::size_t len = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0) lo = 0xA0;  // shorter forms are overlong
        if (b0 == 0xED) hi = 0x9F;  // U+D800-U+DFFF are surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;  // continuation byte, C0/C1 (always overlong) or F5-FF
    }
    if (i + len > s.size() || at(i + 1) < lo || at(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((at(i + k) & 0xC0) != 0x80) return 0;
    return len;
}

// Appends s to out as a quoted JSON string: `"` and `\` escaped, control characters
// (U+0000-U+001F and DEL) as \u00XX, each byte that is not part of well-formed UTF-8 as
// \ufffd; valid non-ASCII characters are copied as they are.
inline void append_json_string(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t len = utf8_sequence_length(s, i);
        const auto c = static_cast<unsigned char>(s[i]);
        if (len == 0) {
            out += "\\ufffd";
            i += 1;
            continue;
        }
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7F) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out.append(s, i, len);
        }
        i += len;
    }
    out += '"';
}

// Builds one JSON document front to back; commas and colons are placed for the caller.
//   JsonWriter w;
//   w.begin_object().field("pid", 1).key("workers").begin_array().end_array().end_object();
//   std::string doc = std::move(w).str();   // {"pid":1,"workers":[]}
// Nesting mistakes are the caller's bug; the writer does not check them.
class JsonWriter {
public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    JsonWriter& key(std::string_view name) {
        separate();
        append_json_string(out_, name);
        out_ += ':';
        after_key_ = true;
        return *this;
    }

    JsonWriter& value(std::string_view s) {
        separate();
        append_json_string(out_, s);
        return *this;
    }
    // Without this overload a string literal would convert to bool, not to string_view.
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(bool b) { return raw(b ? "true" : "false"); }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    JsonWriter& value(T n) {
        return raw(std::to_string(n));
    }
    JsonWriter& null() { return raw("null"); }

    template <class T>
    JsonWriter& field(std::string_view name, const T& v) {
        return key(name).value(v);
    }

    std::string str() && { return std::move(out_); }

private:
    JsonWriter& raw(std::string_view text) {
        separate();
        out_ += text;
        return *this;
    }
    JsonWriter& open(char bracket) {
        separate();
        out_ += bracket;
        first_.push_back(true);
        return *this;
    }
    JsonWriter& close(char bracket) {
        out_ += bracket;
        if (!first_.empty()) first_.pop_back();
        return *this;
    }
    // A comma before every element but the first of its object or array; none after a key.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (first_.empty()) return;
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }

    std::string out_;
    std::vector<bool> first_;  // per open object/array: no element written yet
    bool after_key_ = false;
};

}  // namespace ftpd::client
