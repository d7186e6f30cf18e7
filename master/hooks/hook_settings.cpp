// Parsing of the hook keys and the settings' wire form (master -> hook runner). Pure
// functions; runs in the master (ftpd.conf) and in the hook runner (decode).
#include "master/hooks/hook_settings.hpp"

#include "ipc/status_layout.hpp"

#include <unistd.h>

#include <array>
#include <charconv>
#include <cstring>
#include <utility>

namespace ftpd::master::hooks {
namespace {

using std::invalid_argument;

// The names, in HookEvent order, are the status segment's (ftpctl prints them from there).
static_assert(kHookEventCount == ipc::kHookEvents);
constexpr const auto& kNames = ipc::kHookEventNames;

// The first blank-separated word of value, and the rest (leading blanks removed).
std::pair<std::string_view, std::string_view> first_word(std::string_view value) {
    auto b = value.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    value.remove_prefix(b);
    auto e = value.find_first_of(" \t");
    if (e == std::string_view::npos) return {value, {}};
    auto rest = value.substr(e);
    auto r = rest.find_first_not_of(" \t");
    return {value.substr(0, e), r == std::string_view::npos ? std::string_view{} : rest.substr(r)};
}

void put(std::string& out, std::string_view s) {
    auto n = static_cast<std::uint32_t>(s.size());
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(s);
}

bool get(std::string_view& in, std::string& s) {
    std::uint32_t n = 0;
    if (in.size() < sizeof n) return false;
    std::memcpy(&n, in.data(), sizeof n);
    in.remove_prefix(sizeof n);
    if (in.size() < n) return false;
    s.assign(in.substr(0, n));
    in.remove_prefix(n);
    return true;
}

bool get_number(std::string_view& in, unsigned& v) {
    std::string s;
    if (!get(in, s)) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::string_view to_string(HookEvent e) noexcept {
    auto i = static_cast<std::size_t>(e);
    return i < kHookEventCount ? kNames[i] : "unknown";
}

EventMask HookSettings::events() const {
    EventMask m = 0;
    for (const auto& c : commands) m |= c.events;
    for (const auto& w : webhooks) m |= w.events;
    return m;
}

EventMask parse_events(std::string_view text) {
    EventMask mask = 0;
    while (true) {
        auto comma = text.find(',');
        auto name = text.substr(0, comma);
        if (name == "all") {
            mask |= kAllEvents;
        } else {
            std::size_t i = 0;
            while (i < kHookEventCount && kNames[i] != name) ++i;
            if (i == kHookEventCount)
                throw invalid_argument("unknown event '" + std::string(name) +
                                       "' (expected upload, download, delete, rename, mkdir, rmdir, login, "
                                       "login_failed, logout or all)");
            mask |= 1u << i;
        }
        if (comma == std::string_view::npos) break;
        text.remove_prefix(comma + 1);
    }
    return mask;
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ' ' || c == '\t') {
            if (in_word) words.push_back(std::exchange(word, {}));
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\\' && i + 1 < text.size()) {
            word += text[++i];
        } else if (c == '\'') {
            auto close = text.find('\'', i + 1);
            if (close == std::string_view::npos) throw invalid_argument("unclosed ' in the command");
            word += text.substr(i + 1, close - i - 1);
            i = close;
        } else if (c == '"') {
            for (++i;; ++i) {
                if (i >= text.size()) throw invalid_argument("unclosed \" in the command");
                if (text[i] == '"') break;
                if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '"' || text[i + 1] == '\\')) ++i;
                word += text[i];
            }
        } else {
            word += c;
        }
    }
    if (in_word) words.push_back(word);
    return words;
}

CommandHook parse_command_hook(std::string_view value) {
    auto [events, command] = first_word(value);
    if (events.empty() || command.empty()) throw invalid_argument("expected EVENTS COMMAND [ARGS...]");
    CommandHook h;
    h.events = parse_events(events);
    h.argv = split_words(command);
    if (h.argv.empty()) throw invalid_argument("expected EVENTS COMMAND [ARGS...]");
    const std::string& program = h.argv.front();
    if (program.front() != '/') throw invalid_argument("program '" + program + "' is not an absolute path");
    if (::access(program.c_str(), X_OK) != 0)
        throw invalid_argument("program '" + program + "': " + std::strerror(errno));
    return h;
}

Url parse_url(std::string_view text) {
    Url u;
    u.text = std::string(text);
    std::string_view rest;
    if (text.starts_with("https://")) {
        u.https = true;
        rest = text.substr(8);
    } else if (text.starts_with("http://")) {
        rest = text.substr(7);
    } else {
        throw invalid_argument("'" + std::string(text) + "' is not an http:// or https:// URL");
    }
    auto slash = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (u.target.front() != '/') u.target.insert(0, "/");
    if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.resize(hash);
    if (authority.find('@') != std::string_view::npos)
        throw invalid_argument("'" + std::string(text) + "': user information in the URL is not supported");
    std::string_view port;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) throw invalid_argument("'" + std::string(text) + "': unclosed '['");
        u.host = std::string(authority.substr(1, close - 1));
        auto after = authority.substr(close + 1);
        if (!after.empty() && after.front() != ':')
            throw invalid_argument("'" + std::string(text) + "': junk after the address");
        if (!after.empty()) port = after.substr(1);
    } else {
        auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (u.host.empty()) throw invalid_argument("'" + std::string(text) + "' has no host");
    for (char c : u.host)
        if (static_cast<unsigned char>(c) <= ' ' || c == '%' || c == '/')
            throw invalid_argument("'" + std::string(text) + "': bad character in the host");
    if (port.empty() && authority.ends_with(':')) throw invalid_argument("'" + std::string(text) + "': empty port");
    unsigned n = 0;
    if (!port.empty()) {
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
        if (ec != std::errc{} || end != port.data() + port.size() || n == 0 || n > 65535)
            throw invalid_argument("'" + std::string(text) + "': bad port '" + std::string(port) + "'");
    }
    u.port = port.empty() ? (u.https ? "443" : "80") : std::string(port);
    for (char c : u.target)
        if (static_cast<unsigned char>(c) <= ' ')
            throw invalid_argument("'" + std::string(text) + "': blank or control character in the path");
    return u;
}

Webhook parse_webhook(std::string_view value) {
    auto [events, url] = first_word(value);
    if (events.empty() || url.empty()) throw invalid_argument("expected EVENTS URL");
    if (url.find_first_of(" \t") != std::string_view::npos) throw invalid_argument("expected EVENTS URL");
    return {parse_events(events), parse_url(url)};
}

std::string encode_settings(const HookSettings& s) {
    std::string out;
    put(out, std::to_string(s.commands.size()));
    for (const auto& c : s.commands) {
        put(out, std::to_string(c.events));
        put(out, std::to_string(c.argv.size()));
        for (const auto& a : c.argv) put(out, a);
    }
    put(out, std::to_string(s.webhooks.size()));
    for (const auto& w : s.webhooks) {
        put(out, std::to_string(w.events));
        put(out, w.url.text);
    }
    put(out, s.user);
    for (unsigned v : {s.timeout, s.concurrency, s.queue, s.retries}) put(out, std::to_string(v));
    put(out, s.secret);
    put(out, s.cacert);
    return out;
}

std::optional<HookSettings> decode_settings(std::string_view in) {
    HookSettings s;
    unsigned n = 0;
    if (!get_number(in, n)) return std::nullopt;
    for (unsigned i = 0; i < n; ++i) {
        CommandHook c;
        unsigned words = 0;
        if (!get_number(in, c.events) || !get_number(in, words)) return std::nullopt;
        c.argv.resize(std::min(words, 4096u));
        if (words > 4096) return std::nullopt;
        for (auto& a : c.argv)
            if (!get(in, a)) return std::nullopt;
        s.commands.push_back(std::move(c));
    }
    if (!get_number(in, n)) return std::nullopt;
    for (unsigned i = 0; i < n; ++i) {
        Webhook w;
        std::string url;
        if (!get_number(in, w.events) || !get(in, url)) return std::nullopt;
        try {
            w.url = parse_url(url);
        } catch (const std::invalid_argument&) {
            return std::nullopt;
        }
        s.webhooks.push_back(std::move(w));
    }
    if (!get(in, s.user)) return std::nullopt;
    for (unsigned* v : {&s.timeout, &s.concurrency, &s.queue, &s.retries})
        if (!get_number(in, *v)) return std::nullopt;
    if (!get(in, s.secret) || !get(in, s.cacert) || !in.empty()) return std::nullopt;
    return s;
}

}  // namespace ftpd::master::hooks
