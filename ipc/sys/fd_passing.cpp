#include "ipc/sys/fd_passing.hpp"

#include "ipc/sys/syscall.hpp"

#include <sys/socket.h>

#include <cstring>

namespace ftpd::ipc::sys {
namespace {

// One datagram of one byte (a datagram needs at least one to carry its control message)
// with room for one SCM_RIGHTS descriptor.
struct FdMessage {
    char byte = 'F';
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};

    FdMessage() {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    FdMessage(const FdMessage&) = delete;  // msg points into the object itself
    FdMessage& operator=(const FdMessage&) = delete;
};

}  // namespace

SocketPair datagram_socket_pair() {
    int sv[2];
    check("socketpair", [&] { return ::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv); });
    return {unique_fd(sv[0]), unique_fd(sv[1])};
}

void send_fd(int socket, int fd) {
    FdMessage m;
    msghdr& msg = m.msg;
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    check("sendmsg", [&] { return ::sendmsg(socket, &msg, MSG_DONTWAIT | MSG_NOSIGNAL); });
}

unique_fd receive_latest_fd(int socket) {
    unique_fd latest;
    for (;;) {
        FdMessage m;
        msghdr& msg = m.msg;
        ssize_t n = ::recvmsg(socket, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return latest;
        if (n < 0) throw_sys("recvmsg");
        if (n == 0) return latest;
        for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
                continue;
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
            latest.reset(fd);
        }
    }
}

}  // namespace ftpd::ipc::sys
