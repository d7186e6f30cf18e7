// Ctrl-C during a transfer: while an InterruptGuard lives, SIGINT only sets a flag
// (without SA_RESTART, so a blocked poll() wakes up) and the socket layer throws
// Interrupted; the command then aborts its transfer and the prompt comes back.
#pragma once

#include <csignal>
#include <stdexcept>

namespace ftpd::client {

struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

class InterruptGuard {
public:
    InterruptGuard();   // installs the flag-setting SIGINT handler, clears the flag
    ~InterruptGuard();  // restores the previous handler
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    struct sigaction previous_{};
};

// True once SIGINT arrived under the current guard.
bool interrupt_pending() noexcept;

// Throws Interrupted if interrupt_pending().
void check_interrupt();

}  // namespace ftpd::client
