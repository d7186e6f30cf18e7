// `ftpctl user add|passwd|set|del|list|show`: the users file's accounts, edited under the
// lock of users_store.hpp; `show` and `del --kick` also read (and for --kick write) the
// running master's status segment. Runs in ftpctl only; never asks for a password on the
// command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ftpd::client {

// Runs `ftpctl [-c config] user ARGS...` (args: what follows "user"). Returns the exit
// status: 0 done, 1 failed (message on stderr), 2 usage error.
int run_user_command(const std::optional<std::string>& config, const std::vector<std::string>& args);

}  // namespace ftpd::client
