// See reactor_reserve.hpp. Runs once in a starting worker, before its first session.
#include "worker/reactor_reserve.hpp"

#include "ipc/sys/unique_fd.hpp"
#include "worker/net.hpp"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ftpd::worker {

namespace {

// Descriptors left free for what the worker opens meanwhile (logs, the queue, the root).
constexpr std::size_t kFdMargin = 64;

std::size_t free_descriptors() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
    if (lim.rlim_cur == RLIM_INFINITY) return SIZE_MAX;
    const std::size_t limit = lim.rlim_cur;
    return limit > kFdMargin ? limit - kFdMargin : 0;
}

}  // namespace

std::size_t reserve_reactor_states(net::io_context& io, std::size_t count) {
    count = std::min(count, free_descriptors());
    ipc::sys::unique_fd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!event || count == 0) return 0;
    // Each registered descriptor takes a state from the reactor's pool; closing them all
    // puts the states, allocated one after the other, on the pool's free list.
    std::vector<net::posix::stream_descriptor> held;
    held.reserve(count);
    while (held.size() < count) {
        const int fd = ::fcntl(event.get(), F_DUPFD_CLOEXEC, 0);
        if (fd < 0) break;  // the limit is lower than it said: what we have is enough
        held.emplace_back(io, fd);
    }
    return held.size();
}

}  // namespace ftpd::worker
