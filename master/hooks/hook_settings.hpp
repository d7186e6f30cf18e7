// Event hooks as configured: which events run which command or call which URL, and the
// runner's limits (hook_user, hook_timeout, hook_concurrency, hook_queue, webhook_*).
// Pure values and parsers; used by the master (ftpd.conf) and by the hook runner.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::master::hooks {

// The events a hook may ask for, as ftpd.conf and FTPD_EVENT spell them.
enum class HookEvent : std::uint8_t { upload, download, delete_, rename, mkdir, rmdir, login, login_failed, logout };
inline constexpr std::size_t kHookEventCount = 9;

// "upload", "download", "delete", ... as in ftpd.conf.
std::string_view to_string(HookEvent e) noexcept;

// A set of events as a bit mask (bit n = HookEvent n).
using EventMask = std::uint32_t;
inline constexpr EventMask kAllEvents = (1u << kHookEventCount) - 1;
constexpr EventMask mask_of(HookEvent e) noexcept { return 1u << static_cast<unsigned>(e); }

// "upload,rename" or "all" -> mask. Throws std::invalid_argument naming an unknown event.
EventMask parse_events(std::string_view text);

// Splits a command line into words as a shell would split it, but expands nothing: blanks
// separate words, '...' and "..." quote (\" and \\ inside double quotes), a backslash
// quotes the next character. Throws std::invalid_argument for an unclosed quote.
std::vector<std::string> split_words(std::string_view text);

struct CommandHook {
    EventMask events = 0;
    std::vector<std::string> argv;  // argv[0] is an absolute path
};

// An http:// or https:// URL taken apart.
struct Url {
    bool https = false;
    std::string host;        // without brackets
    std::string port;        // "80" / "443" when not given
    std::string target;      // "/path?query", at least "/"
    std::string text;        // as written
};

// Parses an http(s) URL. Throws std::invalid_argument saying what is wrong.
Url parse_url(std::string_view text);

struct Webhook {
    EventMask events = 0;
    Url url;
};

struct HookSettings {
    std::vector<CommandHook> commands;
    std::vector<Webhook> webhooks;
    std::string user;               // hook_user; empty: the workers' `user`
    unsigned timeout = 60;          // hook_timeout, seconds: then SIGTERM, then SIGKILL
    unsigned concurrency = 4;       // hook_concurrency
    unsigned queue = 10000;         // hook_queue: jobs waiting at most
    std::string secret;             // webhook_secret; empty: no signature header
    std::string cacert;             // webhook_cacert; empty: the system's CAs
    unsigned retries = 3;           // webhook_retries

    bool any() const { return !commands.empty() || !webhooks.empty(); }
    // Every event some hook listens to.
    EventMask events() const;
};

// "hook = EVENTS COMMAND [ARGS...]": the program must be an absolute path to an executable
// file. Throws std::invalid_argument.
CommandHook parse_command_hook(std::string_view value);
// "webhook = EVENTS URL". Throws std::invalid_argument.
Webhook parse_webhook(std::string_view value);

// The settings as bytes, for the master to hand them to a running hook runner on reload,
// and back (nullopt when the bytes are not a well-formed encoding).
std::string encode_settings(const HookSettings& s);
std::optional<HookSettings> decode_settings(std::string_view bytes);

}  // namespace ftpd::master::hooks
