// Command-line flags and ftp:// / ftps:// URLs for the ftp client. Pure; main.cpp prints the
// errors these throw and exits 2.
#include "client/ftp/options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ftpd::client {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// RFC 3986 percent-decoding; "%00" is refused, since no FTP name may hold NUL.
std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) throw std::invalid_argument("bad %-escape");
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) throw std::invalid_argument("bad %-escape");
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// host, [v6], host:port or [v6]:port
void parse_host_port(std::string_view hp, FtpUrl& url) {
    std::string_view port;
    if (!hp.empty() && hp.front() == '[') {
        const auto close = hp.find(']');
        if (close == std::string_view::npos) throw std::invalid_argument("unterminated '[' in host");
        url.host = std::string(hp.substr(1, close - 1));
        const auto after = hp.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw std::invalid_argument("junk after ']' in host");
            port = after.substr(1);
        }
    } else {
        const auto colon = hp.rfind(':');
        url.host = std::string(hp.substr(0, colon));
        if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    }
    if (url.host.empty()) throw std::invalid_argument("missing host");
    if (!port.empty()) url.port = parse_port(port);
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
    });
}

// --name VALUE or --name=VALUE at args[i]; advances i past a separate value.
std::optional<std::string> long_value(const std::vector<std::string>& args, std::size_t& i, std::string_view name) {
    const std::string& a = args[i];
    if (a == name) {
        if (i + 1 >= args.size()) throw std::invalid_argument("option " + std::string(name) + " needs an argument");
        return args[++i];
    }
    if (a.size() > name.size() && a.starts_with(name) && a[name.size()] == '=') return a.substr(name.size() + 1);
    return std::nullopt;
}

void check_tls_flags(const Options& opt, bool insecure_given) {
    if (opt.security != Security::none) return;
    if (opt.ca_file) throw std::invalid_argument("--cacert needs TLS (-s or an ftps:// URL)");
    if (insecure_given) throw std::invalid_argument("-k needs TLS (-s or an ftps:// URL)");
}

}  // namespace

bool looks_like_url(std::string_view text) {
    return starts_with_nocase(text, "ftp://") || starts_with_nocase(text, "ftps://");
}

std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value == 0 || value > 65535)
        throw std::invalid_argument("bad port '" + std::string(text) + "'");
    return static_cast<std::uint16_t>(value);
}

FtpUrl parse_url(std::string_view text) {
    if (!looks_like_url(text)) throw std::invalid_argument("not an ftp:// or ftps:// URL");
    FtpUrl url;
    url.ftps = starts_with_nocase(text, "ftps://");
    url.port = url.ftps ? kDefaultFtpsPort : kDefaultFtpPort;
    text.remove_prefix(url.ftps ? 7 : 6);
    const auto slash = text.find('/');
    std::string_view authority = text.substr(0, slash);
    if (slash != std::string_view::npos) url.path = percent_decode(text.substr(slash + 1));
    // RFC 1738: ";type=a" at the end of the path selects the type; ignore it.
    if (const auto semi = url.path.rfind(";type="); semi != std::string::npos) url.path.resize(semi);
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        const auto colon = userinfo.find(':');
        url.user = percent_decode(userinfo.substr(0, colon));
        if (url.user->empty()) throw std::invalid_argument("empty user name");
        if (colon != std::string_view::npos) url.password = percent_decode(userinfo.substr(colon + 1));
    }
    parse_host_port(authority, url);
    return url;
}

Options parse_options(const std::vector<std::string>& args) {
    Options opt;
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a == "--help") { opt.help = true; continue; }
        if (a == "--version") { opt.version = true; continue; }
        if (a == "--insecure") { opt.verify_peer = false; continue; }
        if (auto file = long_value(args, i, "--cacert")) {
            if (file->empty()) throw std::invalid_argument("option --cacert needs a file name");
            opt.ca_file = std::move(*file);
            continue;
        }
        if (a.size() < 2 || a[0] != '-' || a[1] == '-') break;
        for (std::size_t j = 1; j < a.size(); ++j) {
            switch (a[j]) {
            case 'p': opt.passive = true; break;
            case 'A': opt.passive = false; break;
            case 'n': opt.auto_login = false; break;
            case 'v': opt.verbose = true; break;
            case 'h': opt.help = true; break;
            case 'V': opt.version = true; break;
            case 's': opt.security = Security::explicit_tls; break;
            case 'k': opt.verify_peer = false; break;
            case 'c':
                if (j + 1 < a.size()) {
                    opt.commands = a.substr(j + 1);
                } else if (i + 1 < args.size()) {
                    opt.commands = args[++i];
                } else {
                    throw std::invalid_argument("option -c needs an argument");
                }
                j = a.size();
                break;
            default:
                throw std::invalid_argument(std::string("unknown option -") + a[j]);
            }
        }
    }
    if (!opt.verify_peer && opt.ca_file) throw std::invalid_argument("-k and --cacert exclude each other");
    const std::size_t operands = args.size() - i;
    if (operands > 2) throw std::invalid_argument("too many operands");
    if (operands == 0) {
        check_tls_flags(opt, !opt.verify_peer);
        return opt;
    }
    if (looks_like_url(args[i])) {
        if (operands == 2) throw std::invalid_argument("a URL takes no PORT operand");
        opt.url = parse_url(args[i]);
        opt.host = opt.url->host;
        opt.port = opt.url->port;
        if (opt.url->ftps) opt.security = Security::implicit_tls;  // -s too: ftps:// wins
    } else {
        opt.host = args[i];
        if (opt.host->empty()) throw std::invalid_argument("empty host name");
        if (operands == 2) opt.port = parse_port(args[i + 1]);
    }
    check_tls_flags(opt, !opt.verify_peer);
    return opt;
}

std::string_view usage_text() {
    return "usage: ftp [-p | -A] [-n] [-v] [-s] [-k | --cacert file] [-c \"command; command\"] [host [port]]\n"
           "       ftp [-p | -A] [-n] [-v] [-s] [-k | --cacert file] [-c \"command; command\"] "
           "ftp[s]://[user[:password]@]host[:port][/path]\n"
           "  -s            explicit FTPS: AUTH TLS after the greeting, PROT P for data\n"
           "  ftps://       implicit FTPS: TLS from the first byte (default port 990)\n"
           "  --cacert file trust the certificates in file instead of the system's CAs\n"
           "  -k            do not verify the server's certificate (--insecure)\n";
}

}  // namespace ftpd::client
