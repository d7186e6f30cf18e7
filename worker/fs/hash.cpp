// File digests: EVP for the SHA family and MD5, zlib for CRC32. Runs on a worker's
// file-system threads.
#include "worker/fs/hash.hpp"

#include <openssl/evp.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace ftpd::worker::fs {

namespace {

constexpr std::size_t kReadBuffer = 256 << 10;

class EvpDigest final : public Digest {
public:
    explicit EvpDigest(const EVP_MD* md) : ctx_(::EVP_MD_CTX_new()) {
        if (!ctx_ || ::EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
            ::EVP_MD_CTX_free(ctx_);
            throw std::runtime_error("cannot start the digest");
        }
    }
    ~EvpDigest() override { ::EVP_MD_CTX_free(ctx_); }
    void update(const char* data, std::size_t n) override { ::EVP_DigestUpdate(ctx_, data, n); }
    std::string hex() override {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        ::EVP_DigestFinal_ex(ctx_, md, &len);
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out;
        for (unsigned i = 0; i < len; ++i) {
            out += kHex[md[i] >> 4];
            out += kHex[md[i] & 15];
        }
        return out;
    }

private:
    EVP_MD_CTX* ctx_;
};

class Crc32 final : public Digest {
public:
    void update(const char* data, std::size_t n) override {
        while (n > 0) {
            auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
            crc_ = ::crc32(crc_, reinterpret_cast<const Bytef*>(data), chunk);
            data += chunk;
            n -= chunk;
        }
    }
    std::string hex() override {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%08lx", crc_);
        return buf;
    }

private:
    uLong crc_ = ::crc32(0L, Z_NULL, 0);
};

}  // namespace

std::unique_ptr<Digest> Digest::make(protocol::HashAlgorithm algorithm) {
    switch (algorithm) {
        case protocol::HashAlgorithm::sha256: return std::make_unique<EvpDigest>(::EVP_sha256());
        case protocol::HashAlgorithm::sha512: return std::make_unique<EvpDigest>(::EVP_sha512());
        case protocol::HashAlgorithm::sha1: return std::make_unique<EvpDigest>(::EVP_sha1());
        case protocol::HashAlgorithm::md5: return std::make_unique<EvpDigest>(::EVP_md5());
        case protocol::HashAlgorithm::crc32: return std::make_unique<Crc32>();
    }
    throw std::runtime_error("unknown digest");
}

Result<std::size_t> hash_chunk(const OpenFile& file, Digest& digest, std::uint64_t pos, std::size_t len) {
    std::vector<char> buf(std::min(len, kReadBuffer));
    std::size_t done = 0;
    while (done < len) {
        auto r = read_at(file, buf.data(), std::min(buf.size(), len - done), pos + done);
        if (r.ec) return {r.ec, done};
        if (r.value == 0) break;
        digest.update(buf.data(), r.value);
        done += r.value;
    }
    return {{}, done};
}

}  // namespace ftpd::worker::fs
