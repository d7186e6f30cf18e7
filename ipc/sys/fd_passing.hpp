// Handing an open file descriptor to another process over a Unix socket (SCM_RIGHTS).
// The master opens files its workers may no longer open after their privilege drop
// (a log file logrotate re-created as root) and passes them on. Pure libc.
#pragma once

#include "ipc/sys/unique_fd.hpp"

namespace ftpd::ipc::sys {

// A connected pair of Unix datagram sockets, both close-on-exec.
struct SocketPair {
    unique_fd first;
    unique_fd second;
};
SocketPair datagram_socket_pair();

// Sends a copy of `fd` as one datagram on `socket`, without blocking. Throws
// std::system_error (e.g. EAGAIN when the peer has not read earlier ones).
void send_fd(int socket, int fd);

// The last descriptor queued on `socket` (earlier ones are closed), or an empty
// unique_fd when none is queued. Never blocks; throws std::system_error on errors other
// than "nothing queued".
unique_fd receive_latest_fd(int socket);

}  // namespace ftpd::ipc::sys
