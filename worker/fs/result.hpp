// What a file-system call gives back: a value and an error code. The code is an errno value
// (generic category) for the file system's own answer, or one of fs::errc when the call did
// not get one: the pool was saturated, the call outlived fs_timeout, or it was interrupted
// (ABOR, QUIT, shutdown). Used in workers; no I/O here.
#pragma once

#include <functional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace ftpd::worker::fs {

enum class errc {
    busy = 1,     // every thread is stuck, or the queue is full, or this session's last call is still out
    timed_out,    // the call took longer than fs_timeout; it goes on on its thread, abandoned
    interrupted,  // ABOR, QUIT or shutdown while waiting; the call goes on, abandoned
};

// The category of errc values; its name is "ftpd.fs".
const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

// True for an errc value (as opposed to an errno value from the file system).
inline bool is_fs_errc(const std::error_code& ec) noexcept { return ec && &ec.category() == &category(); }

template <class T>
struct Result {
    std::error_code ec;
    T value{};
    explicit operator bool() const noexcept { return !ec; }
};

// For calls that return nothing but success or failure.
struct Done {};

// A blocking call, as a session hands it to a file-system thread.
template <class T>
using Call = std::function<Result<T>()>;

}  // namespace ftpd::worker::fs

template <>
struct std::is_error_code_enum<ftpd::worker::fs::errc> : std::true_type {};
