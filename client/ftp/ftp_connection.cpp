// A connection to one FTP server for the ftp client: commands, transfers with the
// RFC 959 abort sequence, listings and the FEAT list. Runs in the ftp client; prints
// nothing itself (replies go to the observer the shell installs).
#include "client/ftp/ftp_connection.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "client/ftp/byte_copy.hpp"
#include "client/ftp/glob.hpp"
#include "client/ftp/tls_stream.hpp"
#include "worker/protocol/ascii.hpp"
#include "worker/protocol/listing.hpp"

namespace ftpd::client {

namespace code = protocol::code;

namespace {

constexpr std::size_t kMaxListing = 64 * 1024 * 1024;

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string strip_cr(std::string_view text) {
    protocol::CrlfToLf conv;
    return conv.convert(text) + conv.finish();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        if (nl > start) out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

}  // namespace

FtpConnection::FtpConnection(const std::string& host, std::uint16_t port, Security security, const TlsClient* tls,
                             ControlConnection::ReplyObserver on_reply)
    : host_(host),
      port_(port),
      security_(security),
      tls_(tls),
      control_(host, port, kConnectTimeout, std::move(on_reply),
               security == Security::implicit_tls ? tls : nullptr) {
    if (security != Security::none && !tls) throw std::logic_error("FTPS without a TLS client");
}

void FtpConnection::start_tls() {
    const auto reply = control_.command("AUTH TLS");
    // RFC 4217 section 4: 234 is the only yes; anything else leaves us in clear text,
    // which -s did not ask for.
    if (reply.code != code::kSecurityExchangeOk)
        throw CommandError("the server refused AUTH TLS (" + reply_line(reply) + "); not going on without TLS");
    control_.start_tls(*tls_, host_);
}

void FtpConnection::protect_data() {
    // RFC 4217 section 9: PBSZ 0 (TLS has no buffer size), then PROT P (private).
    expect_ok("PBSZ 0");
    expect_ok("PROT P");
    data_protected_ = true;
}

protocol::Reply FtpConnection::command(std::string_view line) {
    auto reply = control_.command(line);
    while (reply.positive_preliminary()) reply = control_.read_reply();  // e.g. quote RETR
    return reply;
}

protocol::Reply FtpConnection::expect_ok(std::string_view line) {
    auto reply = command(line);
    if (!reply.positive_completion()) throw FtpError(reply);
    return reply;
}

void FtpConnection::load_features() {
    features_.clear();
    const auto reply = command("FEAT");
    if (reply.code != code::kSystemStatus) return;
    // RFC 2389: the lines between the first and the last each name one feature.
    for (const auto& line : lines_of(reply.text)) {
        if (line.empty() || line[0] != ' ') continue;
        std::string_view feat(line);
        feat.remove_prefix(feat.find_first_not_of(' '));
        features_.insert(upper(feat.substr(0, feat.find(' '))));
    }
}

bool FtpConnection::has_feature(std::string_view name) const { return features_.count(upper(name)) > 0; }

void FtpConnection::set_type(bool binary) {
    if (type_known_ && binary_ == binary) return;
    expect_ok(binary ? "TYPE I" : "TYPE A");
    binary_ = binary;
    type_known_ = true;
}

protocol::Reply FtpConnection::transfer(std::string_view command, std::uint64_t rest,
                                        const std::function<void(Stream&)>& body) {
    // PASV/EPSV before REST: RFC 3659 wants REST right before the transfer command.
    DataChannel channel = DataChannel::open(control_, data_, kDataTimeout);
    if (rest > 0) {
        const auto reply = control_.command("REST " + std::to_string(rest));
        if (reply.code != code::kPendingFurtherInfo) throw RestRefused(reply);
    }
    auto first = control_.command(command);
    if (first.positive_completion()) return first;  // nothing to move (some servers, empty lists)
    if (!first.positive_preliminary()) throw FtpError(first);
    std::unique_ptr<Stream> data;
    try {
        // RFC 4217 section 10: the TLS handshake once the server has said 1yz.
        data = data_stream(channel.establish(kDataTimeout));
        body(*data);
        data->finish(kDataTimeout);  // TLS: close_notify, which ends an upload cleanly
    } catch (const ConnectionLost&) {
        throw;
    } catch (const TlsError& e) {
        // The server often gave up on this data connection first and says why (425: the
        // session was not resumed): its reply is the useful half of the message.
        const protocol::Reply reply = abort_transfer(data);
        if (reply.transient_negative() || reply.permanent_negative())
            throw CommandError(std::string(e.what()) + " (" + reply_line(reply) + ")");
        throw;
    } catch (...) {
        abort_transfer(data);
        throw;
    }
    data.reset();  // end of file for an upload; done with a download
    auto last = control_.read_reply();
    if (!last.positive_completion()) throw FtpError(last);
    return last;
}

std::unique_ptr<Stream> FtpConnection::data_stream(Socket socket) {
    if (!data_protected_) return std::make_unique<PlainStream>(std::move(socket));
    // ftpd, vsftpd and proftpd refuse a data connection that does not resume the
    // control connection's session: otherwise anyone could race for the data port.
    const SslSessionPtr session = control_.tls_session();
    return TlsStream::connect(*tls_, std::move(socket), host_, session.get(), kDataTimeout);
}

protocol::Reply FtpConnection::abort_transfer(std::unique_ptr<Stream>& data) {
    // RFC 959 4.1.3: ABOR while the data connection is still open, so an upload is
    // not taken for complete, then close it; the server answers 426 for the transfer
    // and 226 for the ABOR (or one of them). Whatever else comes late is drained.
    control_.send("ABOR");
    data.reset();
    auto reply = control_.read_reply_within(std::chrono::seconds(10));
    if (!reply) throw ConnectionLost("the server did not answer ABOR");
    if (reply->transient_negative() || reply->permanent_negative()) {
        control_.read_reply_within(std::chrono::seconds(2));
    }
    drain_replies(std::chrono::milliseconds(300));
    return *reply;
}

void FtpConnection::drain_replies(Timeout timeout) {
    while (control_.read_reply_within(timeout)) {
    }
}

std::string FtpConnection::listing(std::string_view verb, std::string_view path) {
    std::string out;
    std::string line(verb);
    if (!path.empty()) line += " " + std::string(path);
    transfer(line, 0, [&](Stream& data) { out = receive_to_string(data, kMaxListing, kDataTimeout); });
    return strip_cr(out);
}

std::vector<RemoteEntry> FtpConnection::directory_entries(std::string dir) {
    if (dir.size() > 1 && dir.ends_with('/')) dir.pop_back();
    std::vector<RemoteEntry> out;
    if (has_feature("MLST")) {
        for (const auto& line : lines_of(listing("MLSD", dir))) {
            auto info = protocol::parse_mlsx_line(line);
            if (!info || info->name == "." || info->name == "..") continue;
            out.push_back({split_dir(info->name).base, info->type});
        }
        return out;
    }
    // LIST in `ls -l` form tells directories apart (for completion and mget); a
    // server whose LIST we cannot read still has NLST.
    for (const auto& line : lines_of(listing("LIST", dir))) {
        auto info = protocol::parse_list_line(line);
        if (!info || info->name == "." || info->name == "..") continue;
        out.push_back({split_dir(info->name).base, info->type});
    }
    if (!out.empty()) return out;
    for (const auto& line : lines_of(listing("NLST", dir))) {
        std::string name = split_dir(line).base;  // some servers answer "dir/name"
        if (name.empty() || name == "." || name == "..") continue;
        out.push_back({std::move(name), '?'});
    }
    return out;
}

std::optional<std::uint64_t> FtpConnection::size(std::string_view path) {
    const auto reply = command("SIZE " + std::string(path));
    if (reply.code != code::kFileStatus) return std::nullopt;
    std::uint64_t value = 0;
    const char* end = reply.text.data() + reply.text.size();
    const auto [ptr, ec] = std::from_chars(reply.text.data(), end, value);
    if (ec != std::errc() || ptr == reply.text.data()) return std::nullopt;
    return value;
}

void FtpConnection::quit() noexcept {
    try {
        control_.send("QUIT");
        control_.read_reply_within(std::chrono::seconds(5));
    } catch (...) {
    }
}

}  // namespace ftpd::client
