// Linux capabilities of the calling process, through capset(2) and prctl(2) (no libcap).
// Used by the master after it has bound its ports and created its IPC objects: it keeps
// only what supervising needs. Pure libc; knows nothing above it.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace ftpd::ipc::sys {

// Drops every capability not in `keep` from the bounding, permitted, effective and
// inheritable sets (the uid stays). Throws std::system_error naming the call that failed.
void restrict_capabilities(std::initializer_list<int> keep);

// The effective set as a bit mask (bit N = capability N).
std::uint64_t effective_capabilities();

}  // namespace ftpd::ipc::sys
