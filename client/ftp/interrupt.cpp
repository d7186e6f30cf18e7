// SIGINT as a flag for the ftp client's transfers; the handler only stores to a
// sig_atomic_t (async-signal-safe), everything else happens in the main flow.
#include "client/ftp/interrupt.hpp"

namespace ftpd::client {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_sigint(int) { g_interrupted = 1; }

}  // namespace

InterruptGuard::InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa{};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() must return EINTR
    ::sigaction(SIGINT, &sa, &previous_);
}

InterruptGuard::~InterruptGuard() {
    ::sigaction(SIGINT, &previous_, nullptr);
    g_interrupted = 0;
}

bool interrupt_pending() noexcept { return g_interrupted != 0; }

void check_interrupt() {
    if (g_interrupted) throw Interrupted();
}

}  // namespace ftpd::client
