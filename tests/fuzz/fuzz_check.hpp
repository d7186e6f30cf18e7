// Shared by the libFuzzer targets in tests/fuzz/: invariant checks that print what broke
// and abort (libFuzzer then saves the input as a crash), and small helpers for turning
// fuzz bytes into text. Test code only; never linked into a program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

// Aborts with the failed condition and its place when cond is false.
#define FUZZ_CHECK(cond) ((cond) ? void(0) : ::ftpd::fuzz::fail(#cond, __FILE__, __LINE__))

namespace ftpd::fuzz {

[[noreturn]] inline void fail(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    std::fflush(stderr);
    std::abort();
}

// The fuzz input as bytes of text (any byte, NUL included).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// text cut at every '\n'; the last piece is what follows the last '\n' (maybe empty).
inline std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    for (;;) {
        const std::size_t lf = text.find('\n');
        lines.push_back(text.substr(0, lf));
        if (lf == std::string_view::npos) return lines;
        text.remove_prefix(lf + 1);
    }
}

// A small deterministic generator (xorshift32) for choices derived from a seed byte.
class Choices {
public:
    explicit Choices(std::uint32_t seed) : state_(seed * 2654435761u + 1u) {}
    // A number in [lo, hi].
    std::size_t between(std::size_t lo, std::size_t hi) {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return lo + state_ % (hi - lo + 1);
    }

private:
    std::uint32_t state_;
};

}  // namespace ftpd::fuzz
