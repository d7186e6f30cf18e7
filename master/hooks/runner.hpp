// The hook runner: a process of its own, forked by the master, that runs command hooks and
// calls webhooks for the events the master passes it, so that a slow or hung hook never
// delays a worker, a transfer or the master's signals. Runs as hook_user; never touches a
// client connection or the status segment (the master publishes what it reports).
#pragma once

#include "ipc/status_layout.hpp"
#include "master/hooks/hook_settings.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace ftpd::master::hooks {

// Messages on the channel (a SOCK_SEQPACKET socket pair), one per packet; the first byte
// says what follows.
inline constexpr char kMsgEvent = 'E';     // master -> runner: an encoded ipc::Event
inline constexpr char kMsgSettings = 'S';  // master -> runner: encode_settings() after a reload
inline constexpr char kMsgCounters = 'C';  // runner -> master: a HookCounters
inline constexpr std::size_t kMaxMessage = 1 << 16;

// Runs the hook runner on `channel` (its end of the pair) until the master closes it or
// SIGTERM; returns the exit status. On SIGUSR1 it takes the re-opened log file the master
// queued on `log_channel`, as workers do. The caller has already dropped privileges.
int run_hook_runner(int channel, int log_channel, const HookSettings& settings) noexcept;

}  // namespace ftpd::master::hooks
