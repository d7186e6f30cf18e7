// Reply codes' default texts, the RFC 959 reply formatter (server) and the
// multi-line reply parser (client). Pure; the formatter never lets text forge a line.
#include "worker/protocol/reply.hpp"

#include <algorithm>
#include <stdexcept>

namespace ftpd::protocol {
namespace {

struct CodeText {
    int code;
    std::string_view text;
};

// Texts follow RFC 959 section 4.2.2 in shortened form.
constexpr CodeText kTexts[] = {
    {code::kRestartMarker, "Restart marker reply."},
    {code::kServiceReadySoon, "Service ready in a few minutes."},
    {code::kDataAlreadyOpen, "Data connection already open; transfer starting."},
    {code::kFileStatusOk, "File status okay; about to open data connection."},
    {code::kOk, "Command okay."},
    {code::kNotImplementedSuperfluous, "Command not implemented, superfluous at this site."},
    {code::kSystemStatus, "System status."},
    {code::kDirectoryStatus, "Directory status."},
    {code::kFileStatus, "File status."},
    {code::kHelp, "Help message."},
    {code::kSystemType, "UNIX Type: L8"},
    {code::kServiceReady, "Service ready for new user."},
    {code::kClosingControl, "Goodbye."},
    {code::kDataOpenNoTransfer, "Data connection open; no transfer in progress."},
    {code::kClosingData, "Closing data connection; transfer complete."},
    {code::kEnteringPassive, "Entering Passive Mode."},
    {code::kEnteringExtendedPassive, "Entering Extended Passive Mode."},
    {code::kLoggedIn, "User logged in, proceed."},
    {code::kLoggedInSecured, "User logged in, authorized by security data exchange."},
    {code::kSecurityExchangeOk, "Security data exchange complete."},
    {code::kSecurityDataOk, "Security data accepted."},
    {code::kFileActionOk, "Requested file action okay, completed."},
    {code::kPathCreated, "Pathname created."},
    {code::kNeedPassword, "User name okay, need password."},
    {code::kNeedAccount, "Need account for login."},
    {code::kSecurityMechanismOk, "Security mechanism accepted, security data required."},
    {code::kSecurityDataNeedMore, "Security data accepted, more required."},
    {code::kNeedPasswordChallenge, "User name okay, need password; challenge follows."},
    {code::kPendingFurtherInfo, "Requested file action pending further information."},
    {code::kServiceNotAvailable, "Service not available, closing control connection."},
    {code::kCantOpenData, "Can't open data connection."},
    {code::kTransferAborted, "Connection closed; transfer aborted."},
    {code::kSecurityResourceUnavailable, "Security resource unavailable."},
    {code::kFileBusy, "Requested file action not taken; file unavailable."},
    {code::kLocalError, "Requested action aborted: local error in processing."},
    {code::kInsufficientStorage, "Requested action not taken: insufficient storage space."},
    {code::kSyntaxError, "Syntax error, command unrecognized."},
    {code::kSyntaxErrorArgs, "Syntax error in parameters or arguments."},
    {code::kNotImplemented, "Command not implemented."},
    {code::kBadSequence, "Bad sequence of commands."},
    {code::kNotImplementedParam, "Command not implemented for that parameter."},
    {code::kNetworkProtocolNotSupported, "Network protocol not supported, use (1,2)."},
    {code::kNotLoggedIn, "Not logged in."},
    {code::kNeedAccountStore, "Need account for storing files."},
    {code::kProtectionLevelDenied, "Command protection level denied for policy reasons."},
    {code::kProtSettingRefused, "Data connection cannot be opened with this PROT setting."},
    {code::kPolicyDenied, "Request denied for policy reasons."},
    {code::kSecurityCheckFailed, "Failed security check."},
    {code::kDataProtectionNotSupported, "Data protection level not supported."},
    {code::kCommandProtectionNotSupported, "Command protection level not supported."},
    {code::kFileUnavailable, "Requested action not taken; file unavailable."},
    {code::kPageTypeUnknown, "Requested action aborted: page type unknown."},
    {code::kExceededStorage, "Requested file action aborted: exceeded storage allocation."},
    {code::kNameNotAllowed, "Requested action not taken: file name not allowed."},
    {code::kInvalidRestParameter, "Requested action not taken: invalid REST parameter."},
    {code::kIntegrityProtectedReply, "Integrity protected reply."},
    {code::kPrivateIntegrityProtectedReply, "Confidentiality and integrity protected reply."},
    {code::kPrivateProtectedReply, "Confidentiality protected reply."},
};

// Text for a code without a name, by its first digit, so a reply is never empty.
std::string_view class_text(int code) {
    switch (code / 100) {
        case 1: return "In progress.";
        case 2: return "Okay.";
        case 3: return "More information needed.";
        case 4: return "Temporary failure.";
        default: return "Failed.";
    }
}

// One text line for the wire: CR and NUL become spaces, and a 0xFF byte (Telnet's IAC,
// RFC 854, which RFC 959's control connection is) is doubled, as a name can hold one.
void append_clean(std::string& out, std::string_view line) {
    for (char c : line) {
        out.push_back((c == '\r' || c == '\0') ? ' ' : c);
        if (c == '\xff') out.push_back(c);
    }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "ddd" at the start of a line, or -1.
int leading_code(std::string_view line) {
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
        return -1;
    }
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

std::string printable_prefix(std::string_view line) {
    std::string out;
    for (char c : line.substr(0, 40)) {
        out.push_back((c >= 0x20 && c < 0x7f) ? c : '?');
    }
    return out;
}

}  // namespace

std::string_view default_text(int code) {
    for (const auto& entry : kTexts) {
        if (entry.code == code) return entry.text;
    }
    return {};
}

std::string format_reply(int code, std::string_view text) {
    if (code < 100 || code > 699) {
        throw std::invalid_argument("reply code out of range: " + std::to_string(code));
    }
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    if (text.empty()) text = default_text(code);
    if (text.empty()) text = class_text(code);

    const std::string prefix = std::to_string(code);
    std::string out;
    out.reserve(text.size() + 8);
    std::size_t newline = text.find('\n');
    if (newline != std::string_view::npos) {
        out += prefix;
        out += '-';
        append_clean(out, text.substr(0, newline));
        out += "\r\n";
        text.remove_prefix(newline + 1);
        while ((newline = text.find('\n')) != std::string_view::npos) {
            const std::string_view middle = text.substr(0, newline);
            // RFC 959: only "ddd " ends the reply; a leading space keeps a line that
            // begins with digits from ever being read as that end line.
            if (!middle.empty() && is_digit(middle.front())) out += ' ';
            append_clean(out, middle);
            out += "\r\n";
            text.remove_prefix(newline + 1);
        }
    }
    out += prefix;
    out += ' ';
    append_clean(out, text);
    out += "\r\n";
    return out;
}

std::string format_reply_first_line(int code, std::string_view text) {
    std::string out = std::to_string(code) + '-';
    append_clean(out, text.substr(0, text.find('\n')));
    return out + "\r\n";
}

std::string format_reply_middle_line(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 3);
    if (!text.empty() && is_digit(text.front())) out += ' ';
    append_clean(out, text.substr(0, text.find('\n')));
    return out + "\r\n";
}

std::optional<Reply> ReplyParser::feed_line(std::string_view line) {
    if (code_ == 0) {
        const int code = leading_code(line);
        const bool well_formed =
            code >= 100 && code <= 699 && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
        if (!well_formed) {
            throw std::runtime_error("malformed FTP reply line: '" + printable_prefix(line) + "'");
        }
        const std::string_view rest = line.size() > 3 ? line.substr(4) : std::string_view{};
        if (line.size() > 3 && line[3] == '-') {
            code_ = code;
            text_.assign(rest);
            return std::nullopt;
        }
        return Reply{code, std::string(rest)};
    }

    const bool same_code = leading_code(line) == code_;
    const bool is_last = same_code && (line.size() == 3 || line[3] == ' ');
    std::string_view content = line;
    if (same_code && (is_last || line[3] == '-')) {  // "ddd-" middle lines, as proftpd sends
        content = line.substr(std::min<std::size_t>(4, line.size()));
    }
    if (text_.size() + 1 + content.size() > max_text_) {
        code_ = 0;
        text_.clear();
        throw std::runtime_error("FTP reply longer than " + std::to_string(max_text_) + " bytes");
    }
    text_ += '\n';
    text_.append(content);
    if (!is_last) return std::nullopt;

    Reply reply{code_, std::move(text_)};
    code_ = 0;
    text_.clear();
    return reply;
}

}  // namespace ftpd::protocol
