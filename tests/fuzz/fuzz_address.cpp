// libFuzzer target: the data-connection address codecs (worker/protocol/address.hpp).
// The whole input is handed to every parser as one argument or reply text; whatever a
// parser accepts must format and parse back to the same value, and the formatters may
// refuse a host only with the std::invalid_argument they document.
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/protocol/address.hpp"

#include <stdexcept>
#include <string>

namespace {

using namespace ftpd::protocol;

void check_ipv4(const HostPort& hp) {
    FUZZ_CHECK(hp.family == 4);
    FUZZ_CHECK(canonical_host(hp.host) == hp.host);
    FUZZ_CHECK(parse_port_arg(format_port_arg(hp)) == hp);
    FUZZ_CHECK(parse_pasv_reply(format_pasv_reply_text(hp)) == hp);
    if (hp.port != 0) FUZZ_CHECK(parse_eprt_arg(format_eprt_arg(hp)) == hp);  // EPRT has no port 0
}

void check_eprt(std::string_view text) {
    const auto hp = parse_eprt_arg(text);
    if (!hp) return;
    FUZZ_CHECK(hp->port != 0);
    FUZZ_CHECK(hp->family == 4 || hp->family == 6);
    FUZZ_CHECK(parse_eprt_arg(format_eprt_arg(*hp)) == hp);
    const auto canonical = canonical_host(hp->host);
    FUZZ_CHECK(canonical.has_value());
    if (hp->family == 4) {
        FUZZ_CHECK(canonical == hp->host);
        check_ipv4(*hp);
    }
}

void check_epsv(std::string_view text) {
    if (const auto port = parse_epsv_reply(text)) {
        FUZZ_CHECK(*port != 0);
        FUZZ_CHECK(parse_epsv_reply(format_epsv_reply_text(*port)) == port);
    }
    if (const auto arg = parse_epsv_arg(text)) {
        if (arg->kind == EpsvArg::Kind::family)
            FUZZ_CHECK(arg->family == 4 || arg->family == 6);
        else
            FUZZ_CHECK(arg->family == 0);
    }
}

void check_port_range(std::string_view text) {
    const auto range = parse_port_range(text);
    if (!range) return;
    if (range->first == 0) {
        FUZZ_CHECK(range->second == 0);
        return;
    }
    FUZZ_CHECK(range->first >= 1024 && range->first <= range->second);
    FUZZ_CHECK(parse_port_range(std::to_string(range->first) + "-" + std::to_string(range->second)) == range);
}

// The formatters on an arbitrary host: they either refuse it as documented or produce
// something the parsers read back as the canonical form of that host.
void check_formatters(std::string_view text, std::uint16_t port) {
    const HostPort hp{std::string(text), port, 4};
    const auto canonical = canonical_host(text);
    try {
        const auto back = parse_port_arg(format_port_arg(hp));
        FUZZ_CHECK(back && canonical && back->host == *canonical && back->port == port);
    } catch (const std::invalid_argument&) {
        FUZZ_CHECK(!canonical || canonical->find(':') != std::string::npos);
    }
    try {
        const auto back = parse_eprt_arg(format_eprt_arg(hp));
        FUZZ_CHECK(canonical.has_value());
        if (port != 0) FUZZ_CHECK(back && back->port == port && canonical_host(back->host) == canonical);
    } catch (const std::invalid_argument&) {
        FUZZ_CHECK(!canonical);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = ftpd::fuzz::as_text(data, size);

    if (const auto hp = parse_port_arg(text)) check_ipv4(*hp);
    if (const auto hp = parse_pasv_reply(text)) check_ipv4(*hp);
    check_eprt(text);
    check_epsv(text);
    check_port_range(text);
    if (const auto canonical = canonical_host(text)) FUZZ_CHECK(canonical_host(*canonical) == canonical);

    const std::uint16_t port = size >= 2 ? static_cast<std::uint16_t>(data[0] << 8 | data[size - 1]) : 21;
    check_formatters(text, port);
    return 0;
}
