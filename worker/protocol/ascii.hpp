// TYPE A (RFC 959 section 3.1.1.1): text crosses the data connection with CR LF line ends;
// on a Unix disk it has LF. The two streaming converters of server and client, each
// remembering a CR that ended the previous chunk. Pure; no I/O.
#pragma once

#include <string>
#include <string_view>

namespace ftpd::protocol {

// Wire to disk: CR LF becomes LF, also when a chunk ends between the two; a CR not followed
// by LF is kept. finish() gives back a CR held at the very end.
class CrlfToLf {
public:
    // Appends the converted chunk to out.
    void convert(std::string_view chunk, std::string& out);
    std::string convert(std::string_view chunk);
    std::string finish();

private:
    bool pending_cr_ = false;
};

// Disk to wire: a LF gets a CR before it, unless it has one already (a file that has CR LF
// line ends goes out unchanged), also across chunks.
class LfToCrlf {
public:
    void convert(std::string_view chunk, std::string& out);
    std::string convert(std::string_view chunk);

private:
    bool last_was_cr_ = false;
};

}  // namespace ftpd::protocol
