// Event -> hook fields, JSON body and signature. Pure functions; runs in the master and in
// the hook runner. Client-chosen names are data here: they are never given to a shell.
#include "master/hooks/hook_event.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>
#include <cstdio>

namespace ftpd::master::hooks {
namespace {

std::string iso8601(std::int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

// JSON string escaping (RFC 8259); bytes >= 0x80 pass as they are (names are UTF-8).
void json_string(std::string& out, const std::string& s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

}  // namespace

std::optional<HookEvent> hook_event_of(const ipc::Event& e) noexcept {
    using T = ipc::EventType;
    switch (e.type) {
        case T::transfer_finished:
            if (!e.ok) return std::nullopt;
            return e.direction == 'i' ? HookEvent::upload : HookEvent::download;
        case T::login_ok: return HookEvent::login;
        case T::login_failed: return HookEvent::login_failed;
        case T::session_closed:
            if (e.user.empty()) return std::nullopt;  // never logged in
            return HookEvent::logout;
        case T::file_deleted: return HookEvent::delete_;
        case T::file_renamed: return HookEvent::rename;
        case T::dir_created: return HookEvent::mkdir;
        case T::dir_removed: return HookEvent::rmdir;
        default: return std::nullopt;
    }
}

std::vector<std::pair<std::string, std::string>> hook_fields(HookEvent type, const ipc::Event& e) {
    return {{"FTPD_EVENT", std::string(to_string(type))},
            {"FTPD_USER", e.user},
            {"FTPD_PATH", e.path},
            {"FTPD_FILE", e.file},
            {"FTPD_TARGET", e.target},
            {"FTPD_SIZE", std::to_string(e.bytes)},
            {"FTPD_CLIENT", e.client},
            {"FTPD_SESSION", std::to_string(e.session_id)},
            {"FTPD_TLS", e.tls ? "yes" : "no"},
            {"FTPD_TIME", iso8601(e.time_ms)}};
}

std::string hook_json(HookEvent type, const ipc::Event& e) {
    std::string out = "{";
    bool first = true;
    for (auto& [name, value] : hook_fields(type, e)) {
        std::string key = name.substr(5);
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (!first) out += ',';
        first = false;
        json_string(out, key);
        out += ':';
        if (key == "size" || key == "session")
            out += value;
        else if (key == "tls")
            out += e.tls ? "true" : "false";
        else
            json_string(out, value);
    }
    return out + "}";
}

std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    ::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
           body.size(), md, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 15];
    }
    return out;
}

}  // namespace ftpd::master::hooks
