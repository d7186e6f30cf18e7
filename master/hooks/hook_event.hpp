// What a hook is told about an event: the hook event an ipc::Event stands for, its fields
// as FTPD_* environment variables and as the webhook's JSON document. Pure functions; runs
// in the master (which events to pass on) and in the hook runner.
#pragma once

#include "ipc/event.hpp"
#include "master/hooks/hook_settings.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ftpd::master::hooks {

// The hook event of e, or nullopt when no hook is about it (session_opened, a failed
// transfer, a session that never logged in, worker_fatal).
std::optional<HookEvent> hook_event_of(const ipc::Event& e) noexcept;

// The fields every hook gets, in this order, with the names of the environment:
// FTPD_EVENT FTPD_USER FTPD_PATH FTPD_FILE FTPD_TARGET FTPD_SIZE FTPD_CLIENT FTPD_SESSION
// FTPD_TLS ("yes"/"no") FTPD_TIME (ISO 8601 UTC with milliseconds).
std::vector<std::pair<std::string, std::string>> hook_fields(HookEvent type, const ipc::Event& e);

// The webhook body: a JSON object with the same fields, named in lower case without the
// FTPD_ prefix ("event", "user", ...); size and session are numbers, tls a boolean.
std::string hook_json(HookEvent type, const ipc::Event& e);

// HMAC-SHA256 of body with key, as lower-case hex (the X-Ftpd-Signature value after "sha256=").
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

}  // namespace ftpd::master::hooks
