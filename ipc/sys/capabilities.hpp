// Linux capabilities of the calling process, through capset(2) and prctl(2) (no libcap).
// Used by the master after it has bound its ports and created its IPC objects: it keeps
// only what supervising needs. Pure libc; knows nothing above it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace ftpd::ipc::sys {

// Drops every capability not in `keep` from the bounding, permitted, effective and
// inheritable sets (the uid stays). Throws std::system_error naming the call that failed.
void restrict_capabilities(std::initializer_list<int> keep);

// Started as root: become `user` with its groups and prove root cannot come back (a
// worker, the hook runner). No-op when not root. Throws std::runtime_error for a missing or
// root account ("what" names the process in the message), std::system_error for a failed call.
void become_user(const std::string& user, const std::string& what);

// The effective set as a bit mask (bit N = capability N).
std::uint64_t effective_capabilities();

}  // namespace ftpd::ipc::sys
