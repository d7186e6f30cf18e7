// What one ftpload run measured, and its report: one JSON line on stdout for
// run_bench.py, one human line on stderr. One per thread; merge() them once the threads are done.
#pragma once

#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace ftpd::bench {

struct LoadStats {
    std::string mode, label;
    std::uint64_t ok = 0, errors = 0, bytes = 0, resumed = 0;  // resumed: TLS control sessions
    // --tls-resume: the session the next control connection of this thread offers.
    std::unique_ptr<SSL_SESSION, decltype(&::SSL_SESSION_free)> tls_session{nullptr, &::SSL_SESSION_free};
    std::vector<double> latency_ms;  // one per completed session / transfer / login
    std::string first_error;
    std::string tls;  // protocol and cipher of the first TLS session, "" without --tls
    double elapsed_s = 0;

    void error(const std::string& what) {
        ++errors;
        if (first_error.empty()) first_error = what;
    }

    // Adds another thread's counts (after that thread finished).
    void merge(const LoadStats& o) {
        ok += o.ok;
        errors += o.errors;
        bytes += o.bytes;
        resumed += o.resumed;
        latency_ms.insert(latency_ms.end(), o.latency_ms.begin(), o.latency_ms.end());
        if (first_error.empty()) first_error = o.first_error;
        if (tls.empty()) tls = o.tls;
    }

    double percentile(double p) {
        if (latency_ms.empty()) return 0;
        std::sort(latency_ms.begin(), latency_ms.end());
        auto i = static_cast<std::size_t>(p * static_cast<double>(latency_ms.size() - 1) + 0.5);
        return latency_ms[std::min(i, latency_ms.size() - 1)];
    }

    // JSON strings here are our own words or server replies: escape quotes, backslashes, controls.
    static std::string quoted(const std::string& s) {
        std::string out = "\"";
        for (unsigned char c : s) {
            if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
            else if (c < 0x20) out += ' ';
            else out += static_cast<char>(c);
        }
        return out + "\"";
    }

    void report() {
        double rate = elapsed_s > 0 ? static_cast<double>(ok) / elapsed_s : 0;
        double mib_s = elapsed_s > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / elapsed_s : 0;
        double p50 = percentile(0.50), p99 = percentile(0.99);
        double lo = percentile(0.0), hi = percentile(1.0);
        std::printf("{\"mode\":%s,\"label\":%s,\"ok\":%llu,\"errors\":%llu,\"elapsed_s\":%.3f,"
                    "\"rate_per_s\":%.1f,\"bytes\":%llu,\"mib_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                    "\"min_ms\":%.3f,\"max_ms\":%.3f,\"resumed\":%llu,"
                    "\"first_error\":%s,\"tls\":%s}\n",
                    quoted(mode).c_str(), quoted(label).c_str(), static_cast<unsigned long long>(ok),
                    static_cast<unsigned long long>(errors), elapsed_s, rate,
                    static_cast<unsigned long long>(bytes), mib_s, p50, p99, lo, hi, static_cast<unsigned long long>(resumed), quoted(first_error).c_str(),
                    quoted(tls).c_str());
        std::fflush(stdout);
        std::fprintf(stderr, "ftpload %s%s %s: %llu ok, %llu errors in %.2f s: %.1f/s, %.1f MiB/s, p50 %.2f ms, p99 %.2f ms%s%s\n",
                     mode.c_str(), tls.empty() ? "" : (" (" + tls + ")").c_str(), label.c_str(),
                     static_cast<unsigned long long>(ok),
                     static_cast<unsigned long long>(errors), elapsed_s, rate, mib_s, p50, p99,
                     first_error.empty() ? "" : "; first error: ", first_error.c_str());
    }
};

}  // namespace ftpd::bench
