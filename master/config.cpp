// ftpd.conf parsing: each line goes through Boost.Program_options on its own, so unknown
// keys and bad values are reported with their line; every error is collected (ftpd -t
// lists them all). Runs in the master; never touches the running configuration.
#include "master/config.hpp"

#include <boost/program_options.hpp>

#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace ftpd::master {
namespace po = boost::program_options;

std::string ConfigError::to_string() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

namespace {

std::string join_errors(const std::vector<ConfigError>& errors) {
    std::string s;
    for (const auto& e : errors) s += (s.empty() ? "" : "\n") + e.to_string();
    return s;
}

const KeySpec* find_key(std::string_view name) {
    for (const auto& k : config_keys())
        if (k.name == name) return &k;
    return nullptr;
}

constexpr char kHash = '\x1f';  // stands in for '#' while Program_options reads a line

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// Facts that need more than one value or the system: the root exists, the user exists.
void validate(const Config& cfg, const std::map<std::string, int>& seen, const std::set<std::string>& bad,
              const std::string& file, std::vector<ConfigError>& errors) {
    auto line_of = [&](const char* key) {
        auto it = seen.find(key);
        return it == seen.end() ? 0 : it->second;
    };
    struct stat st {};
    if (bad.count("root")) {
    } else if (::stat(cfg.server.root.c_str(), &st) != 0)
        errors.push_back({file, line_of("root"), "root '" + cfg.server.root + "': " + std::strerror(errno)});
    else if (!S_ISDIR(st.st_mode))
        errors.push_back({file, line_of("root"), "root '" + cfg.server.root + "' is not a directory"});
    bool proxy_listener = std::any_of(cfg.listen.begin(), cfg.listen.end(), [](auto& l) { return l.proxy_protocol; });
    if (proxy_listener && cfg.server.proxy_trusted.empty() && !bad.count("proxy_trusted")) {
        int at = line_of("proxy_trusted") ? line_of("proxy_trusted") : std::max(line_of("listen"), line_of("listen_implicit"));
        errors.push_back({file, at, "a proxy_protocol listener needs proxy_trusted (the balancers' addresses)"});
    }
    passwd* pw = bad.count("user") ? nullptr : ::getpwnam(cfg.user.c_str());
    if (bad.count("user")) {
    } else if (!pw)
        errors.push_back({file, line_of("user"), "user '" + cfg.user + "' does not exist"});
    else if (pw->pw_uid == 0)
        errors.push_back({file, line_of("user"), "user '" + cfg.user + "' is root; workers never keep root"});
}

// With tls != off the master loads tls_cert and tls_key here (they may be readable by root
// only), so ftpd -t and a reload report a bad pair, and workers inherit the context.
void load_tls(Config& cfg, const std::map<std::string, int>& seen, const std::set<std::string>& bad,
              const std::string& file, std::vector<ConfigError>& errors) {
    auto line_of = [&](const char* key) {
        auto it = seen.find(key);
        return it == seen.end() ? 0 : it->second;
    };
    bool implicit_listener = std::any_of(cfg.listen.begin(), cfg.listen.end(), [](auto& l) { return l.implicit_tls; });
    if (cfg.server.tls == worker::TlsMode::off) {
        if (implicit_listener)
            errors.push_back({file, line_of("listen_implicit"), "listen_implicit needs tls (tls = off)"});
        return;
    }
    if (cfg.server.tls == worker::TlsMode::implicit)
        for (auto& l : cfg.listen) l.implicit_tls = true;
    if (bad.count("tls") || bad.count("tls_cert") || bad.count("tls_key") || bad.count("tls_min_version")) return;
    int line = line_of("tls");
    if (cfg.tls.cert.empty() || cfg.tls.key.empty()) {
        errors.push_back({file, line, "tls needs tls_cert and tls_key"});
        return;
    }
    try {
        cfg.server.tls_context = worker::make_tls_context(cfg.tls);
    } catch (const std::exception& e) {
        std::string what = e.what();
        int at = what.rfind("tls_key", 0) == 0 ? line_of("tls_key")
                 : what.rfind("tls_cert", 0) == 0 ? line_of("tls_cert")
                 : what.rfind("tls_ciphers", 0) == 0 ? line_of("tls_ciphers") : line;
        errors.push_back({file, at ? at : line, what});
    }
}

// The users file is read here, in the master (it may be readable by root only), and its
// entries go to the workers in Settings. Its errors carry its own name and line; a file
// that cannot be read is reported at the users_file line.
void read_users(Config& cfg, int key_line, const std::string& file, std::vector<ConfigError>& errors) {
    cfg.users_file_stamp = stamp_of(cfg.users_file);  // before the read: a change during it is seen later
    auto users = worker::load_users(cfg.users_file);
    for (auto& e : users.errors) {
        if (e.line > 0)
            errors.push_back({e.file, e.line, e.message});
        else
            errors.push_back({file, key_line, "users_file '" + cfg.users_file + "': " + e.message});
    }
    cfg.server.users = std::move(users.accounts);
}

}  // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : std::runtime_error(join_errors(errors)), errors_(std::move(errors)) {}

std::vector<ConfigError> parse_config(const std::string& text, const std::string& file, Config& out) {
    po::options_description desc;
    for (const auto& k : config_keys()) desc.add_options()(std::string(k.name).c_str(), po::value<std::string>());

    Config cfg;
    cfg.path = file;
    for (const auto& k : config_keys())
        if (!k.repeatable) k.apply(cfg, std::string(k.default_value));

    std::vector<ConfigError> errors;
    std::map<std::string, int> seen;
    std::set<std::string> bad;
    std::istringstream in(text);
    std::string line;
    for (int lineno = 1; std::getline(in, line); ++lineno) {
        std::string t = trim(line);
        if (t.empty() || t.front() == '#') continue;
        if (t.front() == '[') {
            errors.push_back({file, lineno, "sections are not supported: '" + t + "'"});
            continue;
        }
        // Program_options cuts a line at '#'; here only a line starting with '#' is a
        // comment, so a '#' inside a value (a banner, say) is hidden from it and put back.
        std::string hidden = t;
        std::replace(hidden.begin(), hidden.end(), '#', kHash);
        std::istringstream one(hidden);
        po::parsed_options parsed(&desc);
        try {
            parsed = po::parse_config_file(one, desc, false);
        } catch (const po::unknown_option& e) {
            errors.push_back({file, lineno, "unknown key '" + e.get_option_name() + "'"});
            continue;
        } catch (const po::invalid_config_file_syntax&) {
            errors.push_back({file, lineno, "expected 'key = value', got '" + t + "'"});
            continue;
        } catch (const po::error& e) {
            errors.push_back({file, lineno, e.what()});
            continue;
        }
        for (const auto& opt : parsed.options) {
            const KeySpec* spec = find_key(opt.string_key);
            if (!spec) continue;  // cannot happen: desc only has table keys
            std::string value = opt.value.empty() ? std::string() : trim(opt.value.front());
            std::replace(value.begin(), value.end(), kHash, '#');
            auto prev = seen.find(opt.string_key);
            if (!spec->repeatable && prev != seen.end()) {
                errors.push_back({file, lineno,
                                  "'" + opt.string_key + "' is already set on line " + std::to_string(prev->second)});
                continue;
            }
            seen[opt.string_key] = lineno;
            try {
                spec->apply(cfg, value);
            } catch (const std::invalid_argument& e) {
                errors.push_back({file, lineno, "bad value for '" + opt.string_key + "': " + e.what()});
                bad.insert(opt.string_key);
            }
        }
    }
    if (cfg.listen.empty()) find_key("listen")->apply(cfg, std::string(find_key("listen")->default_value));
    validate(cfg, seen, bad, file, errors);
    load_tls(cfg, seen, bad, file, errors);
    if (!cfg.users_file.empty()) read_users(cfg, seen["users_file"], file, errors);
    if (errors.empty()) out = std::move(cfg);
    return errors;
}

Config load_config(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw ConfigErrors({{path, 0, std::string("cannot read: ") + std::strerror(errno)}});
    std::stringstream ss;
    ss << f.rdbuf();
    Config cfg;
    auto errors = parse_config(ss.str(), path, cfg);
    if (!errors.empty()) throw ConfigErrors(std::move(errors));
    return cfg;
}

}  // namespace ftpd::master
