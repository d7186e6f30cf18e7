// ftpd.conf: `key = value` lines, parsed with Boost.Program_options one line at a time
// so that every error carries its line number. Runs in the master (start, ftpd -t,
// SIGHUP). The keys themselves are one table, in config_keys.cpp.
#pragma once

#include "master/users_watch.hpp"
#include "worker/settings.hpp"

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::master {

struct ListenAddress {
    std::string text;     // as written, without options: "127.0.0.1:21", "[::]:21"
    std::string host;     // numeric address without brackets
    std::uint16_t port = 0;
    bool v6 = false;
    bool implicit_tls = false;  // from listen_implicit: TLS from the first byte (RFC 4217 implicit)
    bool proxy_protocol = false;  // "ADDR:PORT proxy_protocol": a PROXY header precedes the client's bytes
};

struct Config {
    std::string path;
    std::vector<ListenAddress> listen;
    unsigned workers = 1;               // "auto" resolved to the CPU count
    std::string user = "nobody";
    std::string log_file;               // empty: stderr in the foreground, else syslog
    std::string log_level = "info";
    std::string pid_file = "/run/ftpd.pid";
    std::string xferlog;                // transfer log path; empty: off
    unsigned worker_timeout = 30;       // seconds without heartbeat before SIGKILL
    std::string users_file;             // virtual users; empty: none (entries go to server.users)
    std::optional<FileStamp> users_file_stamp;  // the file as it was read, for UsersWatch
    worker::TlsOptions tls;             // tls_cert, tls_key, tls_ciphers, tls_min_version
    worker::Settings server;            // server.tls_context is built by parse_config when tls != off
};

struct ConfigError {
    std::string file;
    int line = 0;                       // 0: not tied to a line
    std::string message;
    std::string to_string() const;      // "FILE:LINE: message"
};

class ConfigErrors : public std::runtime_error {
public:
    explicit ConfigErrors(std::vector<ConfigError> errors);
    const std::vector<ConfigError>& errors() const { return errors_; }

private:
    std::vector<ConfigError> errors_;
};

// One configuration key: its name, its default (as it would be written in the file,
// "" for empty), whether it may repeat, and how a value is applied. apply throws
// std::invalid_argument with a message naming what is wrong with the value.
struct KeySpec {
    std::string_view name;
    std::string_view default_value;
    bool repeatable;
    void (*apply)(Config&, const std::string& value);
};

// The single table of configuration keys.
std::span<const KeySpec> config_keys();

// Parses configuration text (file is used in messages). Returns every error found;
// on success fills *out. Also validates cross-key facts (root exists, user exists).
std::vector<ConfigError> parse_config(const std::string& text, const std::string& file, Config& out);

// Reads and parses path. Throws ConfigErrors (with all errors) or, when the file cannot
// be read, ConfigErrors with one line-less error.
Config load_config(const std::string& path);

}  // namespace ftpd::master
