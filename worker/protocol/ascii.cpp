// The TYPE A converters. Pure.
#include "worker/protocol/ascii.hpp"

namespace ftpd::protocol {

void CrlfToLf::convert(std::string_view chunk, std::string& out) {
    out.reserve(out.size() + chunk.size() + 1);
    for (char c : chunk) {
        if (pending_cr_) {
            pending_cr_ = false;
            if (c != '\n') out += '\r';
        }
        if (c == '\r')
            pending_cr_ = true;
        else
            out += c;
    }
}

std::string CrlfToLf::convert(std::string_view chunk) {
    std::string out;
    convert(chunk, out);
    return out;
}

std::string CrlfToLf::finish() {
    if (!pending_cr_) return {};
    pending_cr_ = false;
    return "\r";
}

void LfToCrlf::convert(std::string_view chunk, std::string& out) {
    out.reserve(out.size() + chunk.size() + chunk.size() / 16);
    for (char c : chunk) {
        if (c == '\n' && !last_was_cr_) out += '\r';
        out += c;
        last_was_cr_ = c == '\r';
    }
}

std::string LfToCrlf::convert(std::string_view chunk) {
    std::string out;
    convert(chunk, out);
    return out;
}

}  // namespace ftpd::protocol
