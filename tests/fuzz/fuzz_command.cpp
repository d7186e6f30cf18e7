// libFuzzer target: the control connection's input path, LineBuffer -> strip_telnet ->
// parse_command -> is_safe_path_arg (worker/protocol). Input: byte 0 picks max_line
// (bit 7 set: 4096, as the server uses; else 1..128), byte 1 seeds the read sizes, the
// rest is the byte stream a client sends. The lines that come out are checked against
// a plain model of the stream, so chunking must never change what a session sees.
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/protocol/command.hpp"
#include "worker/protocol/line_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace ftpd::protocol;
using ftpd::fuzz::Choices;

// What one next() gave: a line's text, or the marker of an overlong line.
struct Event {
    std::string text;
    bool too_long = false;
    bool operator==(const Event&) const = default;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

void check_telnet(std::string_view line) {
    const std::string stripped = strip_telnet(line);
    FUZZ_CHECK(stripped.size() <= line.size());
    if (line.find('\xff') == std::string_view::npos) FUZZ_CHECK(stripped == line);
    // Doubling every IAC is how a sender quotes 0xFF; stripping must undo exactly that.
    std::string quoted;
    for (char c : line) {
        quoted += c;
        if (c == '\xff') quoted += c;
    }
    FUZZ_CHECK(strip_telnet(quoted) == line);
}

// parse_command's contract, checked against the line it was given.
void check_command(std::string_view line) {
    const std::optional<Command> cmd = parse_command(line);
    std::size_t start = 0;
    while (start < line.size() && is_blank(line[start])) ++start;
    std::size_t end = start;
    while (end < line.size() && is_letter(line[end])) ++end;
    const std::size_t letters = end - start;
    while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
    const bool well_formed = letters > 0 && letters <= 4 && end - start - letters <= 3 &&
                             (end == line.size() || line[end] == ' ');
    FUZZ_CHECK(cmd.has_value() == well_formed);
    if (!cmd) return;

    FUZZ_CHECK(cmd->verb.size() == end - start);
    for (std::size_t i = 0; i < cmd->verb.size(); ++i) {
        FUZZ_CHECK(i < letters ? (cmd->verb[i] >= 'A' && cmd->verb[i] <= 'Z')
                               : (cmd->verb[i] >= '0' && cmd->verb[i] <= '9'));
        FUZZ_CHECK(cmd->verb[i] == upper(line[start + i]));
    }
    const std::string_view rest = line.substr(end);
    FUZZ_CHECK(rest.empty() ? cmd->arg.empty() : rest.substr(1) == cmd->arg);

    const bool unsafe = cmd->arg.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos;
    FUZZ_CHECK(is_safe_path_arg(cmd->arg) == !unsafe);
}

void check_line(std::string_view line) {
    check_telnet(line);
    check_command(line);
    check_command(strip_telnet(line));
}

// The model: complete lines of the stream, CR LF or LF ended, overlong ones as markers.
std::vector<Event> expected_lines(std::string_view stream, std::size_t max_line) {
    std::vector<Event> out;
    auto lines = ftpd::fuzz::split_lines(stream);
    lines.pop_back();  // the unterminated rest is checked separately
    for (std::string_view line : lines) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max_line)
            out.push_back({"", true});
        else
            out.push_back({std::string(line), false});
    }
    return out;
}

// Feeds stream in pseudo-random reads, drains after each, and returns what came out.
std::vector<Event> feed(std::string_view stream, std::size_t max_line, Choices& choices) {
    LineBuffer buffer(max_line);
    std::vector<Event> got;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        const std::size_t want = choices.between(1, choices.between(0, 3) == 0 ? 4096 : 16);
        const std::size_t room = want + choices.between(0, 8);  // a read may fill less than asked
        std::span<char> span = buffer.prepare(room);
        FUZZ_CHECK(span.size() == room);
        const std::size_t n = std::min(want, stream.size() - pos);
        std::memcpy(span.data(), stream.data() + pos, n);
        buffer.commit(n);
        pos += n;
        while (auto line = buffer.next()) {
            FUZZ_CHECK(!line->too_long || line->text.empty());
            FUZZ_CHECK(line->text.size() <= max_line);
            got.push_back({std::string(line->text), line->too_long});
        }
        // The bound the header promises: a drained buffer holds at most one partial line.
        FUZZ_CHECK(buffer.buffered() <= max_line + 1);
    }
    return got;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::size_t max_line = (data[0] & 0x80) ? 4096 : 1 + (data[0] & 0x7f);
    Choices choices(data[1]);
    const std::string_view stream = ftpd::fuzz::as_text(data + 2, size - 2);

    std::vector<Event> got = feed(stream, max_line, choices);
    const std::vector<Event> want = expected_lines(stream, max_line);
    FUZZ_CHECK(got.size() >= want.size() && got.size() <= want.size() + 1);
    FUZZ_CHECK(std::equal(want.begin(), want.end(), got.begin()));

    // The unterminated rest is reported as overlong at most once: it must be when all
    // of it is over the bound, and may be when a read boundary fell before a last CR.
    std::string_view rest = ftpd::fuzz::split_lines(stream).back();
    const bool cr_last = !rest.empty() && rest.back() == '\r';
    const bool must = rest.size() > max_line + (cr_last ? 1 : 0);
    const bool may = rest.size() - (cr_last ? 1 : 0) > max_line;
    const bool reported = got.size() > want.size();
    if (reported) FUZZ_CHECK(got.back().too_long && may);
    if (must) FUZZ_CHECK(reported);

    for (const Event& e : got)
        if (!e.too_long) check_line(e.text);
    check_line(stream);
    return 0;
}
