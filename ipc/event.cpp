// Wire format of worker -> master events: a fixed little-endian part, then six strings with
// u16 lengths. Runs in workers (encode) and the master (decode); decode never trusts a byte.
//
//   0 version  1 type  2 flags (bit0 ok, bit1 anonymous, bit2 tls)  3 direction
//   4 transfer_type  5..7 zero  8 slot u32  12 pid i32  16 session_id u64  24 time_ms i64
//   32 bytes u64  40 seconds (IEEE 754 double bits, u64)
//   48 lengths u16 x6: client user path message target file
//   60 client, user, path, message, target, file (no terminators)
#include "ipc/event.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <stdexcept>

#include "ipc/status_layout.hpp"  // utf8_prefix_length

namespace ftpd::ipc {
namespace {

constexpr std::size_t kFixedSize = 60;
constexpr std::size_t kFields = 6;
constexpr std::uint8_t kFlagOk = 1;
constexpr std::uint8_t kFlagAnonymous = 2;
constexpr std::uint8_t kFlagTls = 4;

template <class T>
void put(char* p, T v) {
    auto u = static_cast<std::make_unsigned_t<T>>(v);
    for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>((u >> (8 * i)) & 0xFF);
}

template <class T>
T get(const char* p) {
    std::make_unsigned_t<T> u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        u |= static_cast<std::make_unsigned_t<T>>(static_cast<unsigned char>(p[i])) << (8 * i);
    return static_cast<T>(u);
}

bool valid_direction(char c) { return c == 0 || c == 'i' || c == 'o'; }
bool valid_transfer_type(char c) { return c == 0 || c == 'a' || c == 'b'; }

}  // namespace

std::string_view to_string(EventType type) noexcept {
    switch (type) {
        case EventType::session_opened: return "session_opened";
        case EventType::session_closed: return "session_closed";
        case EventType::login_ok: return "login_ok";
        case EventType::login_failed: return "login_failed";
        case EventType::transfer_finished: return "transfer_finished";
        case EventType::worker_fatal: return "worker_fatal";
        case EventType::file_deleted: return "file_deleted";
        case EventType::file_renamed: return "file_renamed";
        case EventType::dir_created: return "dir_created";
        case EventType::dir_removed: return "dir_removed";
    }
    return "unknown";
}

std::size_t encode(const Event& e, std::span<char> out) {
    const std::size_t limit = std::min(out.size(), kMaxEventSize);
    if (limit < kFixedSize) throw std::length_error("event buffer smaller than the fixed part");
    char* p = out.data();
    p[0] = static_cast<char>(kEventVersion);
    p[1] = static_cast<char>(e.type);
    p[2] = static_cast<char>((e.ok ? kFlagOk : 0) | (e.anonymous ? kFlagAnonymous : 0) | (e.tls ? kFlagTls : 0));
    p[3] = valid_direction(e.direction) ? e.direction : 0;
    p[4] = valid_transfer_type(e.transfer_type) ? e.transfer_type : 0;
    p[5] = p[6] = p[7] = 0;
    put(p + 8, e.slot);
    put(p + 12, e.pid);
    put(p + 16, e.session_id);
    put(p + 24, e.time_ms);
    put(p + 32, e.bytes);
    put(p + 40, std::bit_cast<std::uint64_t>(std::isfinite(e.seconds) && e.seconds >= 0 ? e.seconds : 0.0));

    // Budgets in order of precedence; the disk path takes what the others leave.
    std::size_t room = limit - kFixedSize;
    const auto fit = [&room](std::string_view s, std::size_t cap) {
        const std::size_t n = utf8_prefix_length(s, std::min(cap, room));
        room -= n;
        return s.substr(0, n);
    };
    const std::string_view client = fit(e.client, kMaxClientBytes);
    const std::string_view user = fit(e.user, kMaxUserBytes);
    const std::string_view message = fit(e.message, kMaxMessageBytes);
    const std::string_view path = fit(e.path, kMaxPathBytes);
    const std::string_view target = fit(e.target, kMaxPathBytes);
    const std::string_view file = fit(e.file, room);

    const std::array<std::string_view, kFields> fields{client, user, path, message, target, file};
    std::size_t at = kFixedSize;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        put(p + 48 + 2 * i, static_cast<std::uint16_t>(fields[i].size()));
        std::copy(fields[i].begin(), fields[i].end(), p + at);
        at += fields[i].size();
    }
    return at;
}

std::optional<Event> decode(std::span<const char> in) {
    if (in.size() < kFixedSize || in.size() > kMaxEventSize) return std::nullopt;
    const char* p = in.data();
    const auto byte = [p](std::size_t i) { return static_cast<std::uint8_t>(p[i]); };
    if (byte(0) != kEventVersion) return std::nullopt;
    if (byte(1) > static_cast<std::uint8_t>(EventType::dir_removed)) return std::nullopt;
    if ((byte(2) & ~(kFlagOk | kFlagAnonymous | kFlagTls)) != 0) return std::nullopt;
    if (!valid_direction(p[3]) || !valid_transfer_type(p[4])) return std::nullopt;
    if (byte(5) != 0 || byte(6) != 0 || byte(7) != 0) return std::nullopt;

    std::array<std::size_t, kFields> len{};
    std::size_t total = kFixedSize;
    for (std::size_t i = 0; i < len.size(); ++i) {
        len[i] = get<std::uint16_t>(p + 48 + 2 * i);
        total += len[i];  // at most 60 + 6 * 65535: no overflow
    }
    if (total != in.size()) return std::nullopt;

    Event e;
    e.type = static_cast<EventType>(byte(1));
    e.ok = (byte(2) & kFlagOk) != 0;
    e.anonymous = (byte(2) & kFlagAnonymous) != 0;
    e.tls = (byte(2) & kFlagTls) != 0;
    e.direction = p[3];
    e.transfer_type = p[4];
    e.slot = get<std::uint32_t>(p + 8);
    e.pid = get<std::int32_t>(p + 12);
    e.session_id = get<std::uint64_t>(p + 16);
    e.time_ms = get<std::int64_t>(p + 24);
    e.bytes = get<std::uint64_t>(p + 32);
    e.seconds = std::bit_cast<double>(get<std::uint64_t>(p + 40));
    if (!std::isfinite(e.seconds) || e.seconds < 0) return std::nullopt;

    std::size_t at = kFixedSize;
    std::string* fields[] = {&e.client, &e.user, &e.path, &e.message, &e.target, &e.file};
    for (std::size_t i = 0; i < len.size(); ++i) {
        fields[i]->assign(p + at, len[i]);
        at += len[i];
    }
    return e;
}

}  // namespace ftpd::ipc
