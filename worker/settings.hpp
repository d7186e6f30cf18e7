// The worker's view of the configuration: what sessions need. The master fills it from
// ftpd.conf (master/config_keys.cpp is the single table of keys) and hands it to each
// worker it forks. Plain values, and the TLS context the master built (shared via fork).
#pragma once

#include "worker/accounts.hpp"
#include "worker/protocol/address_set.hpp"
#include "worker/tls_context.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ftpd::worker {

struct Settings {
    std::string root = "/srv/ftp";          // served directory for anonymous users
    bool anonymous = true;                  // allow anonymous/ftp logins
    bool anonymous_write = false;           // anonymous may upload, mkdir, delete
    bool upload_overwrite = false;          // STOR may replace an existing file
    bool show_hidden = false;               // list dot-files
    unsigned umask = 022;                   // for created files and directories
    std::uint16_t pasv_low = 0;             // passive port range; 0 = any
    std::uint16_t pasv_high = 0;
    std::string pasv_address;               // announced in 227; empty = local address
    bool active_mode = true;                // allow PORT/EPRT
    unsigned login_timeout = 60;            // seconds
    unsigned idle_timeout = 300;
    unsigned data_timeout = 300;
    unsigned accept_timeout = 60;  // an unused passive listener closes after this
    unsigned fs_threads = 16;               // file-system threads per worker
    unsigned fs_timeout = 30;               // seconds one file-system call may take; then 451/450
    bool upload_sync = false;               // fsync an upload and its directory before the 226
    std::string banner = "ftpd ready";
    unsigned shutdown_timeout = 30;         // seconds a draining worker keeps sessions
    unsigned max_clients = 2000;            // sessions over all workers; then 421
    unsigned max_per_ip = 50;               // sessions per client address over all workers
    std::uint64_t max_rate = 0;             // bytes/s per session of a virtual user; 0: none
    std::uint64_t anonymous_max_rate = 0;   // bytes/s per anonymous session; 0: none
    unsigned anonymous_max_sessions = 0;    // anonymous sessions over all workers; 0: no limit
    unsigned quota_rescan = 0;              // seconds a user's quota usage is trusted; 0: until a worker dies
    unsigned login_fail_delay = 1;          // seconds before a failed login is answered
    unsigned max_login_failures = 3;        // failed logins before 421 and close
    std::vector<Account> users;             // virtual users, read by the master from users_file
    TlsMode tls = TlsMode::off;             // RFC 4217 policy (tls_context.hpp)
    bool tls_require_reuse = true;          // data connections must resume the control session
    protocol::AddressSet proxy_trusted;     // balancers whose PROXY headers are believed
    TlsContext tls_context;                 // built by the master from tls_cert/tls_key; null when off
};

}  // namespace ftpd::worker
