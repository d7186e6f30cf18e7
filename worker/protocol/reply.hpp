// FTP replies: the named reply codes, the server's reply formatter and the
// client's reply parser (RFC 959 section 4.2, with codes from RFC 2228, 2389,
// 2428, 3659 and 4217). Pure values in, values out; no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// Each reply code named once, after its RFC meaning; use these, never literals.
namespace code {
// 1yz positive preliminary
inline constexpr int kRestartMarker = 110;
inline constexpr int kServiceReadySoon = 120;
inline constexpr int kDataAlreadyOpen = 125;
inline constexpr int kFileStatusOk = 150;
// 2yz positive completion
inline constexpr int kOk = 200;
inline constexpr int kNotImplementedSuperfluous = 202;
inline constexpr int kSystemStatus = 211;  // also FEAT (RFC 2389)
inline constexpr int kDirectoryStatus = 212;
inline constexpr int kFileStatus = 213;  // also SIZE, MDTM (RFC 3659)
inline constexpr int kHelp = 214;
inline constexpr int kSystemType = 215;
inline constexpr int kServiceReady = 220;
inline constexpr int kClosingControl = 221;
inline constexpr int kDataOpenNoTransfer = 225;
inline constexpr int kClosingData = 226;
inline constexpr int kEnteringPassive = 227;
inline constexpr int kEnteringExtendedPassive = 229;  // RFC 2428
inline constexpr int kLoggedIn = 230;
inline constexpr int kLoggedInSecured = 232;     // RFC 2228
inline constexpr int kSecurityExchangeOk = 234;  // RFC 2228/4217: AUTH TLS accepted
inline constexpr int kSecurityDataOk = 235;      // RFC 2228: ADAT accepted
inline constexpr int kFileActionOk = 250;
inline constexpr int kPathCreated = 257;
// 3yz positive intermediate
inline constexpr int kNeedPassword = 331;
inline constexpr int kNeedAccount = 332;
inline constexpr int kSecurityMechanismOk = 334;    // RFC 2228: ADAT required
inline constexpr int kSecurityDataNeedMore = 335;   // RFC 2228
inline constexpr int kNeedPasswordChallenge = 336;  // RFC 2228
inline constexpr int kPendingFurtherInfo = 350;     // REST, RNFR
// 4yz transient negative
inline constexpr int kServiceNotAvailable = 421;
inline constexpr int kCantOpenData = 425;
inline constexpr int kTransferAborted = 426;
inline constexpr int kSecurityResourceUnavailable = 431;  // RFC 2228/4217
inline constexpr int kFileBusy = 450;
inline constexpr int kLocalError = 451;
inline constexpr int kInsufficientStorage = 452;
// 5yz permanent negative
inline constexpr int kSyntaxError = 500;
inline constexpr int kSyntaxErrorArgs = 501;
inline constexpr int kNotImplemented = 502;
inline constexpr int kBadSequence = 503;
inline constexpr int kNotImplementedParam = 504;
inline constexpr int kNetworkProtocolNotSupported = 522;  // RFC 2428
inline constexpr int kProtSettingRefused = 521;            // RFC 4217: not with this PROT
inline constexpr int kNotLoggedIn = 530;
inline constexpr int kNeedAccountStore = 532;
inline constexpr int kProtectionLevelDenied = 533;          // RFC 2228
inline constexpr int kPolicyDenied = 534;                   // RFC 2228/4217
inline constexpr int kSecurityCheckFailed = 535;            // RFC 2228
inline constexpr int kDataProtectionNotSupported = 536;     // RFC 2228
inline constexpr int kCommandProtectionNotSupported = 537;  // RFC 2228
inline constexpr int kFileUnavailable = 550;
inline constexpr int kPageTypeUnknown = 551;
inline constexpr int kExceededStorage = 552;
inline constexpr int kNameNotAllowed = 553;
inline constexpr int kInvalidRestParameter = 554;           // RFC 3659 (REST beyond the end)
// 6yz protected replies (RFC 2228)
inline constexpr int kIntegrityProtectedReply = 631;
inline constexpr int kPrivateIntegrityProtectedReply = 632;
inline constexpr int kPrivateProtectedReply = 633;

// Every named code above, in order (for tables and tests).
// clang-format off
inline constexpr int kAll[] = {
    kRestartMarker, kServiceReadySoon, kDataAlreadyOpen, kFileStatusOk,
    kOk, kNotImplementedSuperfluous, kSystemStatus, kDirectoryStatus, kFileStatus, kHelp,
    kSystemType, kServiceReady, kClosingControl, kDataOpenNoTransfer, kClosingData,
    kEnteringPassive, kEnteringExtendedPassive, kLoggedIn, kLoggedInSecured,
    kSecurityExchangeOk, kSecurityDataOk, kFileActionOk, kPathCreated,
    kNeedPassword, kNeedAccount, kSecurityMechanismOk, kSecurityDataNeedMore,
    kNeedPasswordChallenge, kPendingFurtherInfo,
    kServiceNotAvailable, kCantOpenData, kTransferAborted, kSecurityResourceUnavailable,
    kFileBusy, kLocalError, kInsufficientStorage,
    kSyntaxError, kSyntaxErrorArgs, kNotImplemented, kBadSequence, kNotImplementedParam,
    kNetworkProtocolNotSupported, kProtSettingRefused, kNotLoggedIn, kNeedAccountStore, kProtectionLevelDenied,
    kPolicyDenied, kSecurityCheckFailed, kDataProtectionNotSupported,
    kCommandProtectionNotSupported, kFileUnavailable, kPageTypeUnknown, kExceededStorage,
    kNameNotAllowed, kInvalidRestParameter,
    kIntegrityProtectedReply, kPrivateIntegrityProtectedReply, kPrivateProtectedReply,
};
// clang-format on
}  // namespace code

// Short default text of a named code ("Requested action not taken."); empty for a
// code that has no name here. Never throws.
std::string_view default_text(int code);

// The wire form of a reply, ending in CRLF. Text lines are separated by '\n'; more
// than one line gives an RFC 959 multi-line reply ("211-first", middle lines, "211 last"),
// where a middle line starting with a digit gets a leading space. CR and NUL in text
// become spaces, so no name can forge a reply line; a 0xFF byte is doubled (Telnet IAC,
// RFC 854). Empty text uses default_text(code).
// Throws std::invalid_argument unless 100 <= code <= 699.
std::string format_reply(int code, std::string_view text);

// A multi-line reply written in pieces (a long STAT listing): its first line "ddd-text",
// then middle lines, then format_reply(code, last text) ends it. Each piece ends in CRLF
// and follows format_reply's rules (CR and NUL become spaces; a middle line that starts
// with a digit gets a leading space). Never throws except bad_alloc.
std::string format_reply_first_line(int code, std::string_view text);
std::string format_reply_middle_line(std::string_view text);

// A complete reply as a client sees it.
struct Reply {
    int code = 0;
    std::string text;  // all lines joined by '\n', code prefixes removed

    bool positive_preliminary() const { return code / 100 == 1; }   // 1yz: wait for another
    bool positive_completion() const { return code / 100 == 2; }    // 2yz: done
    bool positive_intermediate() const { return code / 100 == 3; }  // 3yz: send more
    bool transient_negative() const { return code / 100 == 4; }     // 4yz: try again later
    bool permanent_negative() const { return code / 100 == 5; }     // 5yz: don't retry as is
};

// Client side: assembles replies, single- or multi-line, from lines without CRLF.
class ReplyParser {
public:
    // max_text bounds the joined text of one reply, against a server that never ends one.
    explicit ReplyParser(std::size_t max_text = 4 * 1024 * 1024) : max_text_(max_text) {}

    // Feeds one line; returns the Reply once its last line arrived, else nullopt.
    // Throws std::runtime_error on a first line that is not "ddd", "ddd text" or
    // "ddd-text", or when a reply exceeds max_text; the parser is then reset.
    std::optional<Reply> feed_line(std::string_view line);

    // True between the first and the last line of a multi-line reply.
    bool in_progress() const { return code_ != 0; }

private:
    std::size_t max_text_;
    int code_ = 0;  // of the multi-line reply in progress, 0 when none
    std::string text_;
};

}  // namespace ftpd::protocol
