// The syscall wall: every libc call whose failure matters goes through check(),
// which retries EINTR once and turns failure into std::system_error naming the call.
// Pure libc; knows nothing of shared memory, FTP or logging.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>

namespace ftpd::ipc::sys {

// Throws std::system_error(err) with the message "what: strerror(err)".
[[noreturn]] void throw_sys(std::string_view what, int err = errno);

// Returns an error_code for errno value err (generic category).
inline std::error_code errno_code(int err = errno) { return {err, std::generic_category()}; }

// Calls fn(); when it returns -1 with EINTR, calls it once more. On failure throws
// std::system_error naming `what`; otherwise returns the result.
template <class Fn>
auto check(std::string_view what, Fn&& fn) {
    auto r = fn();
    if (r == -1 && errno == EINTR) r = fn();
    if (r == -1) throw_sys(what);
    return r;
}

// Like check(), but returns -1 and sets ec instead of throwing.
template <class Fn>
auto check(std::error_code& ec, Fn&& fn) {
    auto r = fn();
    if (r == -1 && errno == EINTR) r = fn();
    ec = r == -1 ? errno_code() : std::error_code{};
    return r;
}

// "call(\"object\")", as used in error messages: call_on("openat", "pub/a.iso").
std::string call_on(std::string_view call, std::string_view object);

// True when a process with this pid exists (kill(pid, 0) succeeds or fails with EPERM).
bool process_alive(int pid);

}  // namespace ftpd::ipc::sys
