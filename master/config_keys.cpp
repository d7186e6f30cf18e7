// The single table of configuration keys: name, default, and how a value is applied.
// A unit test checks that etc/ftpd.conf and man/ftpd.conf.5 list exactly these keys
// with these defaults. Runs in the master.
#include "master/config.hpp"

#include "worker/logging.hpp"
#include "worker/protocol/address.hpp"
#include "worker/protocol/address_set.hpp"
#include "worker/protocol/size_text.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ftpd::master {
namespace {

using std::invalid_argument;

bool parse_bool(const std::string& v) {
    std::string s = v;
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "yes" || s == "true" || s == "on" || s == "1") return true;
    if (s == "no" || s == "false" || s == "off" || s == "0") return false;
    throw invalid_argument("expected yes or no, got '" + v + "'");
}

unsigned parse_uint(const std::string& v, unsigned lo, unsigned hi, int base = 10) {
    unsigned n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n, base);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size())
        throw invalid_argument("expected a number, got '" + v + "'");
    if (n < lo || n > hi)
        throw invalid_argument("'" + v + "' is out of range (" + std::to_string(lo) + ".." + std::to_string(hi) + ")");
    return n;
}

// A size or a rate: "0", "65536", "512K", "4M", "1G" (size_text.hpp), at most `hi` bytes.
std::uint64_t parse_bytes(const std::string& v, std::uint64_t hi) {
    auto n = protocol::parse_size(v);
    if (!n) throw invalid_argument("expected a number of bytes with an optional K, M, G or T suffix, got '" + v + "'");
    if (*n > hi) throw invalid_argument("'" + v + "' is out of range (at most " + protocol::format_size(hi) + ")");
    return *n;
}

constexpr std::uint64_t kMaxRate = 1ull << 40;  // 1 TiB/s: beyond any link

// "ADDR:PORT" or "ADDR:PORT proxy_protocol" (nginx's spelling: connections on it start
// with a PROXY protocol header from a balancer in proxy_trusted).
ListenAddress parse_listen(const std::string& value) {
    ListenAddress a;
    std::string v = value;
    auto blank = value.find_first_of(" \t");
    if (blank != std::string::npos) {
        v = value.substr(0, blank);
        auto option = value.substr(value.find_first_not_of(" \t", blank));
        if (option != "proxy_protocol")
            throw invalid_argument("unknown listen option '" + option + "' (expected proxy_protocol)");
        a.proxy_protocol = true;
    }
    a.text = v;
    std::string port;
    if (!v.empty() && v.front() == '[') {
        auto close = v.find(']');
        if (close == std::string::npos || close + 1 >= v.size() || v[close + 1] != ':')
            throw invalid_argument("expected [IPV6]:PORT, got '" + v + "'");
        a.host = v.substr(1, close - 1);
        port = v.substr(close + 2);
        a.v6 = true;
    } else {
        auto colon = v.rfind(':');
        if (colon == std::string::npos) throw invalid_argument("expected ADDR:PORT, got '" + v + "'");
        a.host = v.substr(0, colon);
        port = v.substr(colon + 1);
    }
    unsigned char buf[16];
    if (::inet_pton(a.v6 ? AF_INET6 : AF_INET, a.host.c_str(), buf) != 1)
        throw invalid_argument("'" + a.host + "' is not a numeric " + (a.v6 ? "IPv6" : "IPv4") + " address");
    a.port = static_cast<std::uint16_t>(parse_uint(port, 0, 65535));
    return a;
}

unsigned parse_workers(const std::string& v) {
    if (v == "auto") {
        long n = ::sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? static_cast<unsigned>(std::min(n, 256L)) : 1;
    }
    return parse_uint(v, 1, 256);
}

std::string nonempty(const std::string& v, const char* what) {
    if (v.empty()) throw invalid_argument(std::string("must not be empty (") + what + ")");
    return v;
}

// Paths must be absolute: the daemon runs in "/" and re-reads the file on SIGHUP.
std::string absolute_path(const std::string& v) {
    if (v.empty() || v.front() != '/') throw invalid_argument("'" + v + "' is not an absolute path");
    return v;
}

const KeySpec kKeys[] = {
    {"listen", "0.0.0.0:21", true, [](Config& c, const std::string& v) { c.listen.push_back(parse_listen(v)); }},
    {"listen_implicit", "", true,
     [](Config& c, const std::string& v) {
         if (v.empty()) return;
         c.listen.push_back(parse_listen(v));
         c.listen.back().implicit_tls = true;
     }},
    {"proxy_trusted", "", false,
     [](Config& c, const std::string& v) { c.server.proxy_trusted = protocol::AddressSet::parse(v); }},
    {"workers", "auto", false, [](Config& c, const std::string& v) { c.workers = parse_workers(v); }},
    {"max_clients", "2000", false,
     [](Config& c, const std::string& v) { c.server.max_clients = parse_uint(v, 1, 1000000); }},
    {"max_per_ip", "50", false,
     [](Config& c, const std::string& v) { c.server.max_per_ip = parse_uint(v, 1, 1000000); }},
    {"max_rate", "0", false,
     [](Config& c, const std::string& v) { c.server.max_rate = parse_bytes(v, kMaxRate); }},
    {"anonymous_max_rate", "0", false,
     [](Config& c, const std::string& v) { c.server.anonymous_max_rate = parse_bytes(v, kMaxRate); }},
    {"anonymous_max_sessions", "0", false,
     [](Config& c, const std::string& v) { c.server.anonymous_max_sessions = parse_uint(v, 0, 1000000); }},
    {"quota_rescan", "0", false,
     [](Config& c, const std::string& v) { c.server.quota_rescan = parse_uint(v, 0, 100000000); }},
    {"root", "/srv/ftp", false, [](Config& c, const std::string& v) { c.server.root = absolute_path(v); }},
    {"anonymous", "yes", false, [](Config& c, const std::string& v) { c.server.anonymous = parse_bool(v); }},
    {"anonymous_write", "no", false,
     [](Config& c, const std::string& v) { c.server.anonymous_write = parse_bool(v); }},
    {"users_file", "", false,
     [](Config& c, const std::string& v) { c.users_file = v.empty() ? v : absolute_path(v); }},
    {"login_fail_delay", "1", false,
     [](Config& c, const std::string& v) { c.server.login_fail_delay = parse_uint(v, 0, 60); }},
    {"max_login_failures", "3", false,
     [](Config& c, const std::string& v) { c.server.max_login_failures = parse_uint(v, 1, 100); }},
    {"user", "nobody", false, [](Config& c, const std::string& v) { c.user = nonempty(v, "an account name"); }},
    {"upload_overwrite", "no", false,
     [](Config& c, const std::string& v) { c.server.upload_overwrite = parse_bool(v); }},
    {"show_hidden", "no", false, [](Config& c, const std::string& v) { c.server.show_hidden = parse_bool(v); }},
    {"umask", "022", false, [](Config& c, const std::string& v) { c.server.umask = parse_uint(v, 0, 0777, 8); }},
    {"pasv_ports", "0", false,
     [](Config& c, const std::string& v) {
         auto r = protocol::parse_port_range(v);
         if (!r) throw invalid_argument("expected LOW-HIGH with 1024 <= LOW <= HIGH <= 65535, or 0");
         c.server.pasv_low = r->first;
         c.server.pasv_high = r->second;
     }},
    {"pasv_address", "", false,
     [](Config& c, const std::string& v) {
         unsigned char buf[4];
         if (!v.empty() && ::inet_pton(AF_INET, v.c_str(), buf) != 1)
             throw invalid_argument("'" + v + "' is not a numeric IPv4 address");
         c.server.pasv_address = v;
     }},
    {"active_mode", "yes", false, [](Config& c, const std::string& v) { c.server.active_mode = parse_bool(v); }},
    {"login_timeout", "60", false,
     [](Config& c, const std::string& v) { c.server.login_timeout = parse_uint(v, 1, 86400); }},
    {"idle_timeout", "300", false,
     [](Config& c, const std::string& v) { c.server.idle_timeout = parse_uint(v, 1, 86400); }},
    {"data_timeout", "300", false,
     [](Config& c, const std::string& v) { c.server.data_timeout = parse_uint(v, 1, 86400); }},
    {"accept_timeout", "60", false,
     [](Config& c, const std::string& v) { c.server.accept_timeout = parse_uint(v, 1, 86400); }},
    {"fs_threads", "16", false,
     [](Config& c, const std::string& v) { c.server.fs_threads = parse_uint(v, 1, 256); }},
    {"fs_timeout", "30", false,
     [](Config& c, const std::string& v) { c.server.fs_timeout = parse_uint(v, 1, 86400); }},
    {"upload_sync", "no", false, [](Config& c, const std::string& v) { c.server.upload_sync = parse_bool(v); }},
    {"banner", "ftpd ready", false, [](Config& c, const std::string& v) { c.server.banner = v; }},
    {"log_file", "", false,
     [](Config& c, const std::string& v) {
         c.log_file = v.empty() || v == "stderr" || v == "syslog" ? v : absolute_path(v);
     }},
    {"log_level", "info", false,
     [](Config& c, const std::string& v) {
         if (!worker::valid_log_level(v))
             throw invalid_argument("expected trace, debug, info, warning, error, critical or off, got '" + v + "'");
         c.log_level = v;
     }},
    {"xferlog", "", false,
     [](Config& c, const std::string& v) { c.xferlog = v.empty() ? v : absolute_path(v); }},
    {"worker_timeout", "30", false,
     [](Config& c, const std::string& v) { c.worker_timeout = parse_uint(v, 1, 86400); }},
    {"pid_file", "/run/ftpd.pid", false, [](Config& c, const std::string& v) { c.pid_file = absolute_path(v); }},
    {"shutdown_timeout", "30", false,
     [](Config& c, const std::string& v) { c.server.shutdown_timeout = parse_uint(v, 0, 86400); }},
    {"tls", "off", false, [](Config& c, const std::string& v) { c.server.tls = worker::parse_tls_mode(v); }},
    {"tls_cert", "", false, [](Config& c, const std::string& v) { c.tls.cert = v.empty() ? v : absolute_path(v); }},
    {"tls_key", "", false, [](Config& c, const std::string& v) { c.tls.key = v.empty() ? v : absolute_path(v); }},
    {"tls_require_reuse", "yes", false,
     [](Config& c, const std::string& v) { c.server.tls_require_reuse = parse_bool(v); }},
    {"tls_ciphers", "", false, [](Config& c, const std::string& v) { c.tls.ciphers = v; }},
    {"hook", "", true,
     [](Config& c, const std::string& v) {
         if (!v.empty()) c.hooks.commands.push_back(hooks::parse_command_hook(v));
     }},
    {"webhook", "", true,
     [](Config& c, const std::string& v) {
         if (!v.empty()) c.hooks.webhooks.push_back(hooks::parse_webhook(v));
     }},
    {"hook_user", "", false, [](Config& c, const std::string& v) { c.hooks.user = v; }},
    {"hook_timeout", "60", false,
     [](Config& c, const std::string& v) { c.hooks.timeout = parse_uint(v, 1, 86400); }},
    {"hook_concurrency", "4", false,
     [](Config& c, const std::string& v) { c.hooks.concurrency = parse_uint(v, 1, 256); }},
    {"hook_queue", "10000", false,
     [](Config& c, const std::string& v) { c.hooks.queue = parse_uint(v, 1, 1000000); }},
    {"webhook_secret", "", false, [](Config& c, const std::string& v) { c.hooks.secret = v; }},
    {"webhook_cacert", "", false,
     [](Config& c, const std::string& v) {
         c.hooks.cacert = v.empty() ? v : absolute_path(v);
         if (!v.empty() && ::access(v.c_str(), R_OK) != 0)
             throw invalid_argument("'" + v + "': " + std::strerror(errno));
     }},
    {"webhook_retries", "3", false,
     [](Config& c, const std::string& v) { c.hooks.retries = parse_uint(v, 0, 100); }},
    {"tls_min_version", "1.2", false,
     [](Config& c, const std::string& v) {
         if (v == "1.2")
             c.tls.min_version = 0x0303;  // TLS1_2_VERSION
         else if (v == "1.3")
             c.tls.min_version = 0x0304;  // TLS1_3_VERSION
         else
             throw invalid_argument("expected 1.2 or 1.3, got '" + v + "'");
     }},
};

}  // namespace

std::span<const KeySpec> config_keys() { return kKeys; }

}  // namespace ftpd::master
