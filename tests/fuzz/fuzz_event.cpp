// libFuzzer target: the worker -> master event wire format (ipc/event.hpp). The input is
// a message as the master receives it: decode() must stay inside it, and what it accepts
// must encode back to the same bytes (or, past a field's cap, to a stable shorter form).
// The input also drives encode() with arbitrary events and buffer sizes.
#include "ipc/event.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace {

using namespace ftpd::ipc;

// Encodes into a heap buffer of exactly `room` bytes, so ASan sees any write past it.
std::vector<char> encode_into(const Event& e, std::size_t room) {
    std::vector<char> buf(room);
    const std::size_t n = encode(e, buf);
    FUZZ_CHECK(n <= std::min(room, kMaxEventSize));
    buf.resize(n);
    return buf;
}

bool within_caps(const Event& e) {
    return e.client.size() <= kMaxClientBytes && e.user.size() <= kMaxUserBytes &&
           e.message.size() <= kMaxMessageBytes && e.path.size() <= kMaxPathBytes && e.target.size() <= kMaxPathBytes;
}

void check_decoded(const Event& e, std::span<const char> in) {
    FUZZ_CHECK(to_string(e.type) != "unknown");
    const std::vector<char> again = encode_into(e, kMaxEventSize);
    if (within_caps(e)) FUZZ_CHECK(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()));
    const auto e2 = decode(again);
    FUZZ_CHECK(e2.has_value());
    FUZZ_CHECK(encode_into(*e2, kMaxEventSize) == again);  // encode . decode is stable
}

// An event made of the input's bytes, with no regard for what is valid.
Event arbitrary_event(std::span<const char> in) {
    auto byte = [&](std::size_t i) { return in.empty() ? 0 : static_cast<unsigned char>(in[i % in.size()]); };
    Event e;
    e.type = static_cast<EventType>(byte(0) % 10);
    e.ok = byte(1) & 1;
    e.anonymous = byte(1) & 2;
    e.tls = byte(1) & 4;
    e.direction = static_cast<char>(byte(2));
    e.transfer_type = static_cast<char>(byte(3));
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits |= std::uint64_t(byte(4 + i)) << (8 * i);
    e.seconds = std::bit_cast<double>(bits);  // NaN, infinities and negatives included
    e.slot = static_cast<std::uint32_t>(bits);
    e.pid = static_cast<std::int32_t>(bits >> 16);
    e.session_id = e.bytes = bits;
    e.time_ms = static_cast<std::int64_t>(bits);
    const std::string_view text(in.data(), in.size());
    const std::size_t cut = byte(12) * 4 % (text.size() + 1);
    e.client = text.substr(0, std::min<std::size_t>(cut, 200));
    e.user = text.substr(cut / 2);
    e.path = text;
    e.message = text.substr(cut);
    e.target = text.substr(cut / 3);
    e.file = text.substr(cut / 4);
    return e;
}

void check_encode(std::span<const char> in) {
    const Event e = arbitrary_event(in);
    const std::size_t room = in.empty() ? 60 : 60 + static_cast<unsigned char>(in[0]) * 16;
    const std::vector<char> wire = encode_into(e, room);
    const auto back = decode(wire);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(back->type == e.type && back->slot == e.slot && back->bytes == e.bytes);
    FUZZ_CHECK(e.client.starts_with(back->client) && e.user.starts_with(back->user));
    FUZZ_CHECK(e.path.starts_with(back->path) && e.message.starts_with(back->message));
    FUZZ_CHECK(e.target.starts_with(back->target) && e.file.starts_with(back->file) && back->tls == e.tls);
    FUZZ_CHECK(back->client.size() <= kMaxClientBytes && back->user.size() <= kMaxUserBytes);
    FUZZ_CHECK(back->message.size() <= kMaxMessageBytes);
    try {  // documented: a buffer smaller than the fixed part is refused
        encode_into(e, 59);
        FUZZ_CHECK(false);
    } catch (const std::length_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A private copy of exactly `size` bytes: any read past it is an ASan report.
    const auto copy = std::make_unique<char[]>(size);
    if (size > 0) std::memcpy(copy.get(), data, size);
    const std::span<const char> in(copy.get(), size);

    if (const auto e = decode(in)) check_decoded(*e, in);
    check_encode(in);
    return 0;
}
