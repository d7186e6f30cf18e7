// Asio's reactor keeps one state object per descriptor it watches, in a pool that it never
// gives back to the heap (freed states wait on a free list for the next descriptor). Created
// one by one during a burst of logins they lie scattered among the sessions' memory, one
// every few KiB, and after the burst each keeps its heap page resident: malloc_trim cannot
// return a page that holds a live chunk. reserve_reactor_states() creates them together at
// start, in pages of their own, so that the memory of sessions that ended goes back to the
// system.
#pragma once

#include <cstddef>

namespace boost::asio {
class io_context;
}

namespace ftpd::worker {

// Makes the reactor of `io` allocate up to `count` descriptor states now (fewer when the
// open-file limit leaves no room); returns how many. Call before any session starts.
std::size_t reserve_reactor_states(boost::asio::io_context& io, std::size_t count);

}  // namespace ftpd::worker
