// Size and rate text (size_text.hpp): parsing with overflow checks, and formatting.
#include "worker/protocol/size_text.hpp"

#include <charconv>
#include <cstdio>

namespace ftpd::protocol {
namespace {

constexpr char kUnits[] = {'K', 'M', 'G', 'T'};

int unit_power(char c) noexcept {
    for (int i = 0; i < 4; ++i)
        if (c == kUnits[i] || c == kUnits[i] + ('a' - 'A')) return i + 1;
    return -1;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc{} || end == text.data()) return std::nullopt;
    std::string_view rest(end, text.data() + text.size() - end);
    int power = 0;
    if (!rest.empty() && (power = unit_power(rest.front())) > 0) rest.remove_prefix(1);
    else power = 0;
    if (rest == "B" || rest == "b" || (power > 0 && (rest == "iB" || rest == "ib"))) rest = {};
    if (!rest.empty()) return std::nullopt;
    for (int i = 0; i < power; ++i) {
        if (n > UINT64_MAX / 1024) return std::nullopt;
        n *= 1024;
    }
    return n;
}

std::string format_size(std::uint64_t bytes) {
    int power = 0;
    while (bytes != 0 && bytes % 1024 == 0 && power < 4) {
        bytes /= 1024;
        ++power;
    }
    std::string s = std::to_string(bytes);
    if (power > 0) s += kUnits[power - 1];
    return s;
}

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    int power = 0;
    while (v >= 1024 && power < 4) {
        v /= 1024;
        ++power;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %ciB", v, kUnits[power - 1]);
    return buf;
}

}  // namespace ftpd::protocol
