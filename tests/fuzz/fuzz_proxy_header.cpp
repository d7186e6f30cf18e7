// libFuzzer target: the PROXY protocol header parser (worker/protocol/proxy_header.hpp)
// and the proxy_trusted list (address_set.hpp). The input is the first bytes of a
// connection. Invariants: a complete header never claims more bytes than given and reads
// the same from exactly its own bytes; every prefix of it is incomplete; what it names
// formats and parses back; the parser never looks past the header.
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/protocol/address_set.hpp"
#include "worker/protocol/proxy_header.hpp"

#include <stdexcept>
#include <string>

namespace {

using namespace ftpd::protocol;
using Status = ProxyHeader::Status;

void check_complete(std::string_view text, const ProxyHeader& h) {
    FUZZ_CHECK(h.length > 0 && h.length <= text.size());
    FUZZ_CHECK(h.version == 1 || h.version == 2);
    FUZZ_CHECK(h.version != 1 || h.length <= kProxyV1MaxLength);
    FUZZ_CHECK(h.version != 2 || h.length <= kProxyV2MaxLength);
    // The bytes after the header do not matter: the header alone, or followed by other bytes.
    const std::string_view own = text.substr(0, h.length);
    for (auto other : {parse_proxy_header(own), parse_proxy_header(std::string(own) + "\x16\x03\x01junk")}) {
        FUZZ_CHECK(other.status == Status::complete);
        FUZZ_CHECK(other.length == h.length && other.addresses == h.addresses);
    }
    // Every strict prefix is incomplete: the worker may take those bytes off the socket.
    for (std::size_t n = 0; n < h.length; n += 1 + n / 8)
        FUZZ_CHECK(parse_proxy_header(own.substr(0, n)).status == Status::incomplete);
    if (!h.addresses) return;
    const auto& a = *h.addresses;
    FUZZ_CHECK(a.family == 4 || a.family == 6);
    for (const auto& formatted : {format_proxy_v1(a), format_proxy_v2(a)}) {
        const auto back = parse_proxy_header(formatted);
        FUZZ_CHECK(back.status == Status::complete && back.length == formatted.size());
        FUZZ_CHECK(back.addresses == h.addresses);
    }
    // The client address it names is a host the trusted list can hold and match.
    const auto set = AddressSet::parse(a.source_host);
    FUZZ_CHECK(set.contains(a.source_host));
}

void check_address_set(std::string_view text) {
    try {
        const auto set = AddressSet::parse(text);
        const auto again = AddressSet::parse(set.to_string());
        FUZZ_CHECK(again.to_string() == set.to_string());
        (void)set.contains(text);
    } catch (const std::invalid_argument&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = ftpd::fuzz::as_text(data, size);
    const auto h = parse_proxy_header(text);
    switch (h.status) {
        case Status::complete:
            FUZZ_CHECK(h.error.empty());
            check_complete(text, h);
            break;
        case Status::invalid:
            FUZZ_CHECK(!h.error.empty());
            break;
        case Status::incomplete:
            // All bytes seen so far belong to a header: bounded by the largest one.
            FUZZ_CHECK(size < kProxyV2MaxLength);
            FUZZ_CHECK(!h.addresses && h.length == 0);
            break;
    }
    if (size < 512) check_address_set(text);
    return 0;
}
