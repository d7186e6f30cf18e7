// Sizes and rates as administrators write them: "0", "512", "512K", "4M", "10G", "1T"
// (binary multiples, as pure-ftpd and proftpd use; an optional trailing "B" or "iB").
// Used by ftpd.conf, the users file and ftpctl; pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// The number of bytes `text` means: digits, then optionally one of K, M, G, T (either
// case, 1024-based), then optionally "B" or "iB". nullopt for anything else (blanks,
// signs, fractions, an empty string) and for values above UINT64_MAX.
std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

// The shortest exact spelling parse_size() reads back: 4194304 -> "4M", 1536 -> "1536",
// 0 -> "0".
std::string format_size(std::uint64_t bytes);

// For people: 1536 -> "1.5 KiB", 10 -> "10 B" (rounded to one decimal; not exact).
std::string human_size(std::uint64_t bytes);

}  // namespace ftpd::protocol
