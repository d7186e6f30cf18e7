// Live changes of the users file: the master watches the file and, when it changed, passes
// a descriptor it opened (as root: the file may be mode 0600) over a Unix socket. The
// worker reads and parses it on a file-system thread and swaps the accounts new logins
// see; sessions already open keep theirs. Runs in workers; never touches the disk on the
// event loop.
#pragma once

#include "worker/net.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>

#include <string>

namespace ftpd::worker {

class Worker;

class UsersChannel {
public:
    // `socket`: the worker's end of the channel (WorkerContext::users_channel); -1: none.
    UsersChannel(net::io_context& io, Worker& worker, int socket, std::string path);
    // Waits for descriptors from now on.
    void start();

private:
    void wait();
    void take();

    Worker& worker_;
    std::string path_;
    net::posix::stream_descriptor socket_;
    bool enabled_;
};

}  // namespace ftpd::worker
