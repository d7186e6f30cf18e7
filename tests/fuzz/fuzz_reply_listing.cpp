// libFuzzer target: what a client parses from a server (worker/protocol/reply.hpp and
// listing.hpp). The input is cut into lines; they go through a ReplyParser (which may
// throw only std::runtime_error) and through the LIST, MLSD and MDTM parsers, and what
// those accept must survive the matching formatter.
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace ftpd::protocol;

constexpr std::int64_t kMinTime = -62167219200;  // 0000-01-01 00:00:00 UTC
constexpr std::int64_t kMaxTime = 253402300799;  // 9999-12-31 23:59:59 UTC
constexpr std::int64_t kNows[] = {1700000000, 0, kMinTime, kMaxTime,
                                  std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max()};

void check_reply(const Reply& r) {
    FUZZ_CHECK(r.code >= 100 && r.code <= 699);
    const int classes = r.positive_preliminary() + r.positive_completion() + r.positive_intermediate() +
                        r.transient_negative() + r.permanent_negative();
    FUZZ_CHECK(classes == (r.code / 100 == 6 ? 0 : 1));

    // The server's formatter on this text: the reply must end on its last line and on
    // no earlier one, whatever the text holds (no forged "ddd " line).
    const std::string wire = format_reply(r.code, r.text);
    FUZZ_CHECK(wire.size() >= 6 && wire.ends_with("\r\n"));
    ReplyParser parser;
    std::string_view rest = wire;
    std::optional<Reply> got;
    while (!rest.empty()) {
        FUZZ_CHECK(!got);
        const std::size_t crlf = rest.find("\r\n");
        FUZZ_CHECK(crlf != std::string_view::npos);
        const std::string_view line = rest.substr(0, crlf);
        FUZZ_CHECK(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos);
        got = parser.feed_line(line);
        rest.remove_prefix(crlf + 2);
    }
    FUZZ_CHECK(got && got->code == r.code);
}

void feed_replies(ReplyParser& parser, std::string_view line) {
    try {
        if (auto reply = parser.feed_line(line)) {
            FUZZ_CHECK(!parser.in_progress());
            check_reply(*reply);
        }
    } catch (const std::runtime_error&) {
        FUZZ_CHECK(!parser.in_progress());  // documented: the parser is reset
    }
}

void check_mdtm(std::string_view text) {
    const auto t = parse_mdtm(text);
    if (!t) return;
    FUZZ_CHECK(*t >= kMinTime && *t <= kMaxTime + 1);  // + 1: a leap second on the last day
    if (text.substr(12, 2) != "60") FUZZ_CHECK(format_mdtm(*t) == text.substr(0, 14));
}

// Any 64-bit time formats to 14 digits, and one inside 0000..9999 parses back to itself.
void check_time(std::int64_t t) {
    const std::string s = format_mdtm(t);
    FUZZ_CHECK(s.size() == 14);
    const auto back = parse_mdtm(s);
    FUZZ_CHECK(back.has_value());
    if (t >= kMinTime && t <= kMaxTime) FUZZ_CHECK(*back == t);
}

std::string shown_name(std::string name) {
    for (char& c : name)
        if (c == '\r' || c == '\n' || c == '\0') c = '?';
    return name;
}

void check_list_line(std::string_view line, std::int64_t now) {
    const auto info = parse_list_line(line, now);
    if (!info) return;
    FUZZ_CHECK(!info->name.empty());
    check_time(info->mtime);
    check_time(static_cast<std::int64_t>(info->size));
    if (info->type == 'o') return;  // doors and the like are listed as plain files
    const std::string formatted = format_list_line(*info, now);
    // Only the name is cleaned (a server's owner and group come from the system).
    const std::string_view bad("\r\n\0", 3);
    if (info->owner.find_first_of(bad) == std::string::npos && info->group.find_first_of(bad) == std::string::npos)
        FUZZ_CHECK(formatted.find_first_of(bad) == std::string::npos);
    const auto back = parse_list_line(formatted, now);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(back->type == info->type && back->size == info->size && back->nlink == info->nlink);
    FUZZ_CHECK(back->mode == (info->mode & 07777));
    FUZZ_CHECK(back->name == shown_name(info->name));
}

void check_mlsx_line(std::string_view line) {
    const auto info = parse_mlsx_line(line);
    if (!info) return;
    FUZZ_CHECK(!info->name.empty());
    check_time(info->mtime);
    check_time(static_cast<std::int64_t>(info->dev));
    check_time(static_cast<std::int64_t>(info->ino));
    const std::string facts = format_mlsx_facts(*info, "");
    FUZZ_CHECK(facts.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    const auto back = parse_mlsx_line(facts);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(back->type == info->type);
    FUZZ_CHECK(back->mtime == std::clamp(info->mtime, kMinTime, kMaxTime));  // a leap second may pass the end
    FUZZ_CHECK(back->dev == info->dev && back->ino == info->ino);
    if (info->type == 'f') FUZZ_CHECK(back->size == info->size);
    FUZZ_CHECK(back->name == shown_name(info->name));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = ftpd::fuzz::as_text(data, size);
    ReplyParser parser;
    ReplyParser small(64);  // reaches the max_text limit quickly
    for (std::string_view line : ftpd::fuzz::split_lines(text)) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        feed_replies(parser, line);
        feed_replies(small, line);
        for (std::int64_t now : kNows) check_list_line(line, now);
        check_mlsx_line(line);
        check_mdtm(line);
    }
    return 0;
}
