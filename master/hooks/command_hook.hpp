// Command hooks: runs a hook's program (no shell) with the event in FTPD_* variables, its
// standard output and error logged a line each, killed at hook_timeout. Runs in the hook
// runner; never blocks its loop (the exit is awaited on a pidfd, the output on a pipe).
#pragma once

#include "ipc/event.hpp"
#include "master/hooks/hook_settings.hpp"
#include "worker/net.hpp"

#include <sys/types.h>

#include <memory>
#include <set>

namespace ftpd::master::hooks {

class CommandRunner {
public:
    // Runs settings->commands[index] for the event; true when it exited with status 0.
    // Throws std::system_error when the program cannot be started.
    boost::asio::awaitable<bool> run(std::shared_ptr<const HookSettings> settings, std::size_t index, HookEvent type,
                                     ipc::Event event);

    // SIGKILLs every running hook's process group (the runner is stopping).
    void terminate_all() noexcept;

private:
    std::set<pid_t> running_;
};

}  // namespace ftpd::master::hooks
