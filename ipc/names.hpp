// Names of the IPC objects (status segment, per-slot event queues), all derived from the
// master's pid, and the clean-up of such objects. Used by the master, workers and ftpctl.
// Never touches a /dev/shm entry that does not match "ftpd.<pid>.*".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ftpd::ipc {

// Where Linux keeps POSIX shared memory objects (Boost.Interprocess segments and queues).
inline constexpr std::string_view kShmDir = "/dev/shm";

// "ftpd.<pid>.status": the status segment of the master with this pid.
std::string status_segment_name(int master_pid);

// "ftpd.<pid>.events.<slot>": the event queue of one worker slot.
std::string event_queue_name(int master_pid, int slot);

// The pid in an object name "ftpd.<pid>.<rest>" (rest non-empty), or nullopt for any other
// name, including "ftpd.0.x", "ftpd.-1.x" and "ftpd.12" (no rest). Never throws.
std::optional<int> pid_of_object(std::string_view name);

// Removes every entry of shm_dir named "ftpd.<master_pid>.*"; returns how many it removed.
// Entries that vanish meanwhile or that we may not remove (EPERM/EACCES) are skipped.
// Throws std::system_error when shm_dir cannot be read or another unlink error occurs.
int remove_objects_of(int master_pid, std::string_view shm_dir = kShmDir);

// Removes the "ftpd.<pid>.*" entries of shm_dir whose pid is not a live process (what a
// killed master left behind); returns how many it removed. Errors as remove_objects_of().
// A pid reused by an unrelated process keeps its objects: removal errs on the safe side.
int remove_stale_objects(std::string_view shm_dir = kShmDir);

}  // namespace ftpd::ipc
