#include "ipc/sys/fd_passing.hpp"

#include "ipc/sys/syscall.hpp"

#include <sys/socket.h>

#include <cstring>

namespace ftpd::ipc::sys {

SocketPair datagram_socket_pair() {
    int sv[2];
    check("socketpair", [&] { return ::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv); });
    return {unique_fd(sv[0]), unique_fd(sv[1])};
}

void send_fd(int socket, int fd) {
    char byte = 'F';  // a datagram carries at least one byte with its control message
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
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
        char byte = 0;
        iovec iov{&byte, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
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
