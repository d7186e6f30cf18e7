// Object names derived from the master's pid, and removal of our objects from /dev/shm.
// Runs in the master (at start and exit) and in tests; never removes a name it did not parse.
#include "ipc/names.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <memory>

#include "ipc/sys/syscall.hpp"

namespace ftpd::ipc {
namespace {

constexpr std::string_view kPrefix = "ftpd.";

// Calls fn(name) for every entry of dir; fn returns true to have the entry unlinked.
// Returns the number of entries unlinked.
template <class Pred>
int remove_matching(std::string_view dir, Pred&& wanted) {
    const std::string path(dir);
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(path.c_str()), &::closedir);
    if (!d) sys::throw_sys(sys::call_on("opendir", path));
    int removed = 0;
    errno = 0;
    while (const dirent* e = ::readdir(d.get())) {
        const std::string_view name = e->d_name;
        if (wanted(name)) {
            const std::string full = path + "/" + std::string(name);
            if (::unlink(full.c_str()) == 0) {
                ++removed;
            } else if (errno != ENOENT && errno != EPERM && errno != EACCES) {
                // ENOENT: removed by someone else meanwhile; EPERM/EACCES: another
                // user's object in the sticky /dev/shm, not ours to clean.
                sys::throw_sys(sys::call_on("unlink", full));
            }
        }
        errno = 0;
    }
    if (errno != 0) sys::throw_sys(sys::call_on("readdir", path));
    return removed;
}

}  // namespace

std::string status_segment_name(int master_pid) {
    return std::string(kPrefix) + std::to_string(master_pid) + ".status";
}

std::string event_queue_name(int master_pid, int slot) {
    return std::string(kPrefix) + std::to_string(master_pid) + ".events." + std::to_string(slot);
}

std::optional<int> pid_of_object(std::string_view name) {
    if (!name.starts_with(kPrefix)) return std::nullopt;
    name.remove_prefix(kPrefix.size());
    const auto dot = name.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
    const std::string_view digits = name.substr(0, dot);
    if (digits.front() < '1' || digits.front() > '9') return std::nullopt;  // no sign, no 0
    int pid = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return pid;
}

int remove_objects_of(int master_pid, std::string_view shm_dir) {
    return remove_matching(shm_dir, [master_pid](std::string_view name) {
        return pid_of_object(name) == master_pid;
    });
}

int remove_stale_objects(std::string_view shm_dir) {
    return remove_matching(shm_dir, [](std::string_view name) {
        const auto pid = pid_of_object(name);
        return pid && !sys::process_alive(*pid);
    });
}

}  // namespace ftpd::ipc
