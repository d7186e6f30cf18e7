// File digests for HASH and the legacy XSHA256/XSHA512/XSHA1/XMD5/XCRC: OpenSSL's EVP
// digests and zlib's crc32, fed a chunk at a time on a file-system thread (hashing a large
// file is file-system work: it never runs on the event loop). Runs in workers.
#pragma once

#include "worker/fs/files.hpp"
#include "worker/protocol/extension_args.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace ftpd::worker::fs {

class Digest {
public:
    virtual ~Digest() = default;
    virtual void update(const char* data, std::size_t n) = 0;
    // The digest in lower-case hex (CRC32: 8 hex digits, big-endian, as FileZilla shows it).
    virtual std::string hex() = 0;

    // Throws std::runtime_error when OpenSSL cannot start the digest.
    static std::unique_ptr<Digest> make(protocol::HashAlgorithm algorithm);
};
using DigestPtr = std::shared_ptr<Digest>;

// Reads up to len bytes at pos and feeds them to the digest (on a file-system thread):
// the bytes read (fewer only at the end of the file).
Result<std::size_t> hash_chunk(const OpenFile& file, Digest& digest, std::uint64_t pos, std::size_t len);

}  // namespace ftpd::worker::fs
