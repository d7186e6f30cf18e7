// Events a worker reports to the master (sessions, logins, transfers, fatal errors) and their
// wire format on the event queue. Encoded in a worker, decoded in the master; decode() must
// never trust its input (a dying worker may leave anything), and encode() never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ftpd::ipc {

enum class EventType : std::uint8_t {
    session_opened,
    session_closed,
    login_ok,
    login_failed,
    transfer_finished,
    worker_fatal,
    file_deleted,      // DELE; path
    file_renamed,      // RNFR+RNTO; path (from), target (to)
    dir_created,       // MKD
    dir_removed,       // RMD
};

// "session_opened", ... as spelled above; "unknown" for any other value.
std::string_view to_string(EventType type) noexcept;

struct Event {
    EventType type = EventType::session_opened;
    std::uint32_t slot = 0;
    std::int32_t pid = 0;
    std::uint64_t session_id = 0;
    std::int64_t time_ms = 0;      // realtime (Unix epoch ms)
    std::string client;            // "127.0.0.1:40000" / "[::1]:40000"
    std::string user;
    char direction = 0;            // transfers: 'i' upload, 'o' download; 0 otherwise
    std::string path;              // file of a transfer, as the user sees it
    std::uint64_t bytes = 0;
    double seconds = 0;            // duration of a transfer or session
    bool ok = false;               // transfer completed / login succeeded
    bool anonymous = false;
    char transfer_type = 0;        // 'a' ASCII, 'b' binary; 0 when not a transfer
    std::string message;           // free text, e.g. the cause of worker_fatal
    std::string target;            // file_renamed: the new name, as the user sees it
    std::string file;              // absolute path on disk of `path` (for hooks)
    bool tls = false;              // the session's control connection is TLS

    friend bool operator==(const Event&, const Event&) = default;
};

// Upper bound of an encoded event, and the message size of the event queue.
inline constexpr std::size_t kMaxEventSize = 4096;
// First byte of every encoded event; decode() rejects any other.
inline constexpr std::uint8_t kEventVersion = 2;
// Longest stored text per field; `file` gets whatever the others leave (at least 1,300 bytes).
inline constexpr std::size_t kMaxClientBytes = 64;
inline constexpr std::size_t kMaxUserBytes = 128;
inline constexpr std::size_t kMaxMessageBytes = 256;
inline constexpr std::size_t kMaxPathBytes = 1100;    // path and target each


// Writes e into out and returns the bytes used: at most min(out.size(), kMaxEventSize).
// Long strings are cut at a UTF-8 character boundary so the event always fits; a direction,
// transfer_type or seconds outside the documented values is sent as 0. Throws
// std::length_error only when out is smaller than the fixed part (60 bytes).
std::size_t encode(const Event& e, std::span<char> out);

// The event in `in`, or nullopt when `in` is not exactly one well-formed event of this
// version (short, oversized, unknown type, bad lengths, trailing bytes...). Never reads
// outside `in`, never throws except std::bad_alloc.
std::optional<Event> decode(std::span<const char> in);

}  // namespace ftpd::ipc
