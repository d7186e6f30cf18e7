// ftpload: the benchmark's load generator (tests/bench/). One process, one Asio
// io_context per thread (--threads), one coroutine per simulated client; talks to
// 127.0.0.1 only and is bounded in count and time. Prints one JSON line on stdout, one
// human line on stderr.
#include <boost/program_options.hpp>

#include <array>
#include <csignal>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "tests/bench/ftp_conn.hpp"
#include "tests/bench/load_stats.hpp"

namespace po = boost::program_options;
using namespace ftpd::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string mode = "session-rate", host = "127.0.0.1", retr, file, label, stor_prefix = "ftpload";
    std::string user = "anonymous", password = "bench@example.com", verb = "LIST", path;
    unsigned port = 21, concurrency = 50, sessions = 1000, streams = 1, per_session = 1;
    double duration = 0, hold = 600, timeout = 60;
    std::uint64_t count = 0, size_mb = 1024, size_kb = 0;
    unsigned threads = 1;
    bool pasv = false, tls = false, tls_resume = false;
};

// Shared by all client coroutines of a run: when to stop and what was measured. Each
// thread's coroutines record into their own LoadStats (merged at the end).
struct Run {
    Options opt;
    tcp::endpoint server;
    Clock::time_point start = Clock::now(), deadline = Clock::time_point::max();
    std::atomic<std::uint64_t> issued{0};
    LoadStats stats;
    std::unique_ptr<net::ssl::context> tls;  // --tls: the client context (no verification)

    // Claims the next unit of work (a session or a transfer); false when the run is over.
    bool next() {
        if (Clock::now() >= deadline) return false;
        if (opt.count == 0) {
            ++issued;
            return true;
        }
        for (auto n = issued.load(); n < opt.count;)
            if (issued.compare_exchange_weak(n, n + 1)) return true;
        return false;
    }
    std::uint64_t upload_bytes() const { return opt.size_kb ? opt.size_kb << 10 : opt.size_mb << 20; }
    double ms_since(Clock::time_point t0) const {
        return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
};

// Reads the data connection to its end; returns the byte count.
awaitable<std::uint64_t> drain(FtpConn& c) {
    std::vector<char> buf(256 * 1024);
    std::uint64_t total = 0;
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await c.read_data(net::buffer(buf), ec);
        total += n;
        if (ec == net::error::eof) co_return total;
        if (ec) throw boost::system::system_error(ec, "data read");
    }
}

// The transfer command; under TLS the data handshake runs before its 150 is read.
awaitable<void> transfer_command(FtpConn& c, const std::string& line) {
    co_await c.send(line);
    co_await c.start_data_tls();
    co_await c.expect(line, 1);
}

awaitable<std::uint64_t> download(FtpConn& c, const std::string& name, bool pasv) {
    co_await c.command("TYPE I", 2);
    co_await c.open_data(pasv);
    co_await transfer_command(c, "RETR " + name);
    std::uint64_t n = co_await drain(c);
    if (c.tls()) co_await c.end_data();  // answer the server's close_notify
    c.close_data();
    co_await c.expect("RETR end", 2);
    co_return n;
}

awaitable<std::uint64_t> upload(FtpConn& c, const std::string& name, std::uint64_t size, bool pasv) {
    co_await c.command("TYPE I", 2);
    co_await c.open_data(pasv);
    co_await transfer_command(c, "STOR " + name);
    std::vector<char> buf(256 * 1024);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);
    std::uint64_t sent = 0;
    while (sent < size) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - sent));
        co_await c.write_data(net::buffer(buf.data(), n));
        sent += n;
    }
    co_await c.end_data();
    c.close_data();
    co_await c.expect("STOR end", 2);
    co_return sent;
}

// LIST/NLST/MLSD of path (or the current directory): the bytes of the listing.
awaitable<std::uint64_t> listing(FtpConn& c, const std::string& verb, const std::string& path, bool pasv) {
    // Named, not temporaries in the co_await expressions (g++ 12 destroys those twice).
    std::string line = path.empty() ? verb : verb + " " + path, end = verb + " end";
    co_await c.open_data(pasv);
    co_await transfer_command(c, line);
    std::uint64_t n = co_await drain(c);
    if (c.tls()) co_await c.end_data();
    c.close_data();
    co_await c.expect(end, 2);
    co_return n;
}

// One measured session: connect, 220, USER, PASS, `work` (a transfer, or nothing; it
// returns the bytes it moved), QUIT. Counted in stats as ok with its latency, or as an error.
template <class Work>
awaitable<void> measured_session(Run& run, LoadStats& stats, Work work) {
    auto t0 = Clock::now();
    try {
        FtpConn c(co_await net::this_coro::executor, run.tls.get());
        if (run.opt.tls_resume) c.resume_from(&stats.tls_session);
        c.arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
        co_await c.connect(run.server);
        co_await c.login(run.opt.user, run.opt.password);
        if (c.tls() && stats.tls.empty()) stats.tls = c.tls_description();
        if (c.resumed()) ++stats.resumed;
        stats.bytes += co_await work(c);
        co_await c.command("QUIT", 2);
        stats.latency_ms.push_back(run.ms_since(t0));
        ++stats.ok;
    } catch (const std::exception& e) {
        stats.error(e.what());
    }
}

// session-rate: sessions with [TYPE I, EPSV, RETR] or nothing between login and QUIT.
awaitable<void> session_loop(Run& run, LoadStats& stats) {
    while (run.next()) {
        co_await measured_session(run, stats, [&](FtpConn& c) -> awaitable<std::uint64_t> {
            // An if, not ?: with a co_await in it (g++ 12 got that wrong under --tls).
            if (run.opt.retr.empty()) co_return 0;
            co_return co_await download(c, run.opt.retr, run.opt.pasv);
        });
    }
}

// download/upload: one stream; each unit is a whole session with --per-session transfers.
awaitable<void> transfer_loop(Run& run, LoadStats& stats, unsigned stream) {
    for (unsigned n = 0; run.next(); ++n) {
        co_await measured_session(run, stats, [&](FtpConn& c) -> awaitable<std::uint64_t> {
            std::uint64_t moved = 0;
            for (unsigned k = 0; k < run.opt.per_session; ++k) {
                if (run.opt.mode == "download") {
                    moved += co_await download(c, run.opt.file, run.opt.pasv);
                    continue;
                }
                auto name = run.opt.stor_prefix + "-" + std::to_string(stream) + "-" + std::to_string(n) + "-" +
                            std::to_string(k);
                moved += co_await upload(c, name, run.upload_bytes(), run.opt.pasv);
            }
            co_return moved;
        });
    }
}

// list / noop: one session per client, each unit (a listing, or a NOOP, each with its
// latency) inside it until the run is over. noop with --retr also downloads that file
// between two NOOPs (not counted in the latency).
awaitable<void> in_session_loop(Run& run, LoadStats& stats) {
    try {
        FtpConn c(co_await net::this_coro::executor, run.tls.get());
        c.arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
        co_await c.connect(run.server);
        co_await c.login(run.opt.user, run.opt.password);
        bool list = run.opt.mode == "list";
        if (!list && !run.opt.retr.empty()) co_await c.command("TYPE I", 2);
        while (run.next()) {
            auto t0 = Clock::now();
            if (list) {
                stats.bytes += co_await listing(c, run.opt.verb, run.opt.path, run.opt.pasv);
            } else {
                co_await c.command("NOOP", 2);
            }
            stats.latency_ms.push_back(run.ms_since(t0));
            ++stats.ok;
            if (!list && !run.opt.retr.empty()) {
                co_await c.open_data(run.opt.pasv);
                co_await transfer_command(c, "RETR " + run.opt.retr);
                stats.bytes += co_await drain(c);
                c.close_data();
                co_await c.expect("RETR end", 2);
            }
        }
        co_await c.command("QUIT", 2);
    } catch (const std::exception& e) {
        stats.error(e.what());
    }
}

// idle: opens and logs in sessions until `sessions` were tried, keeping each open.
awaitable<void> idle_opener(Run& run, std::vector<std::unique_ptr<FtpConn>>& held) {
    auto ex = co_await net::this_coro::executor;
    while (run.issued < run.opt.sessions && run.next()) {
        auto t0 = Clock::now();
        auto c = std::make_unique<FtpConn>(ex, run.tls.get());
        try {
            c->arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
            co_await c->connect(run.server);
            co_await c->login(run.opt.user, run.opt.password);
            c->arm(std::chrono::hours(24 * 365));  // held until the end of the run
            run.stats.latency_ms.push_back(run.ms_since(t0));
            ++run.stats.ok;
            held.push_back(std::move(c));
        } catch (const std::exception& e) {
            run.stats.error(e.what());
        }
    }
}

void run_idle(Run& run, net::io_context& io) {
    std::vector<std::unique_ptr<FtpConn>> held;
    held.reserve(run.opt.sessions);
    auto remaining = std::make_shared<unsigned>(run.opt.concurrency);
    net::steady_timer hold(io);
    net::signal_set signals(io, SIGINT, SIGTERM);
    auto finish = [&] {
        hold.cancel();
        signals.cancel();
        for (auto& c : held) c->close();
    };
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) finish();
    });
    for (unsigned i = 0; i < run.opt.concurrency; ++i) {
        net::co_spawn(io, idle_opener(run, held), [&, remaining](std::exception_ptr) {
            if (--*remaining) return;
            run.stats.elapsed_s = run.ms_since(run.start) / 1000.0;
            // run_bench.py waits for this line before measuring the held sessions.
            std::fprintf(stderr, "ftpload idle: ready %llu held %llu errors\n",
                         static_cast<unsigned long long>(run.stats.ok),
                         static_cast<unsigned long long>(run.stats.errors));
            std::fflush(stderr);
            hold.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.hold)));
            hold.async_wait([&](const boost::system::error_code& ec) {
                if (!ec) finish();
            });
        });
    }
    io.run();
}

Options parse(int argc, char** argv) {
    Options o;
    po::options_description d("ftpload: FTP load generator for benchmarks (loopback only)");
    d.add_options()("help,h", "this help")
        ("mode", po::value(&o.mode), "session-rate | idle | download | upload | list | noop")
        ("user", po::value(&o.user), "login name (anonymous)")
        ("password", po::value(&o.password), "password (bench@example.com)")
        ("host", po::value(&o.host), "server address (127.0.0.1; loopback only)")
        ("port", po::value(&o.port), "server port")
        ("concurrency,c", po::value(&o.concurrency), "clients at once (session-rate, idle openers) (50)")
        ("duration", po::value(&o.duration), "seconds to run (session-rate, download, upload)")
        ("count", po::value(&o.count), "sessions or transfers in total (0: until --duration)")
        ("retr", po::value(&o.retr), "session-rate: also download this file in each session")
        ("pasv", po::bool_switch(&o.pasv), "PASV instead of EPSV")
        ("tls", po::bool_switch(&o.tls), "FTPS: AUTH TLS, PBSZ 0, PROT P; data resumes the control session; "
                                         "the server certificate is not verified")
        ("tls-resume", po::bool_switch(&o.tls_resume), "with --tls: new control connections resume the "
                                                       "thread's last TLS session (as reconnecting clients do)")
        ("threads", po::value(&o.threads), "threads, each with its own event loop (session-rate, download, upload) (1)")
        ("sessions", po::value(&o.sessions), "idle: sessions to open and hold (1000)")
        ("hold", po::value(&o.hold), "idle: seconds to hold them (600), or until SIGTERM")
        ("file", po::value(&o.file), "download: the file to RETR")
        ("size-mb", po::value(&o.size_mb), "upload: MiB per STOR (1024)")
        ("size-kb", po::value(&o.size_kb), "upload: KiB per STOR (instead of --size-mb)")
        ("per-session", po::value(&o.per_session), "download/upload: transfers in each session (1)")
        ("verb", po::value(&o.verb), "list: LIST | NLST | MLSD (LIST)")
        ("path", po::value(&o.path), "list: the directory to list (the current one)")
        ("stor-prefix", po::value(&o.stor_prefix), "upload: name prefix of stored files")
        ("streams", po::value(&o.streams), "download/upload: parallel streams (1)")
        ("timeout", po::value(&o.timeout), "seconds any one session may take (60)")
        ("label", po::value(&o.label), "free text copied into the report");
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, d), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << d << "\n";
        std::exit(0);
    }
    if (o.duration <= 0 && o.count == 0 && o.mode != "idle")
        throw std::invalid_argument("give --duration or --count: every run is bounded");
    if (o.mode == "download" && o.file.empty()) throw std::invalid_argument("download needs --file");
    if (o.concurrency == 0 || o.streams == 0 || o.threads == 0 || o.per_session == 0)
        throw std::invalid_argument("--concurrency/--streams/--threads must be > 0");
    return o;
}

}  // namespace

int main(int argc, char** argv) try {
    Run run;
    run.opt = parse(argc, argv);
    auto addr = net::ip::make_address(run.opt.host);
    if (!addr.is_loopback()) throw std::invalid_argument("ftpload talks to loopback addresses only");
    run.server = tcp::endpoint(addr, static_cast<unsigned short>(run.opt.port));
    run.stats.mode = run.opt.mode;
    run.stats.label = run.opt.label;
    std::signal(SIGPIPE, SIG_IGN);
    if (run.opt.tls) {
        run.tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
        run.tls->set_verify_mode(net::ssl::verify_none);
        // Data connections resume the control connection's session: keep sessions client-side.
        ::SSL_CTX_set_session_cache_mode(run.tls->native_handle(), SSL_SESS_CACHE_CLIENT);
    }

    run.start = Clock::now();
    if (run.opt.duration > 0)
        run.deadline = run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.duration));
    if (run.opt.mode == "idle") {
        net::io_context io(1);
        run_idle(run, io);
    } else {
        bool transfer = run.opt.mode == "download" || run.opt.mode == "upload";
        bool in_session = run.opt.mode == "list" || run.opt.mode == "noop";
        if (!transfer && !in_session && run.opt.mode != "session-rate")
            throw std::invalid_argument("unknown --mode " + run.opt.mode);
        unsigned n = transfer ? run.opt.streams : run.opt.concurrency;
        unsigned threads = std::min(run.opt.threads, n);
        std::vector<std::unique_ptr<net::io_context>> ios;
        std::vector<LoadStats> stats(threads);
        for (unsigned t = 0; t < threads; ++t) ios.push_back(std::make_unique<net::io_context>(1));
        for (unsigned i = 0; i < n; ++i) {
            auto& st = stats[i % threads];
            auto body = transfer ? transfer_loop(run, st, i) : in_session ? in_session_loop(run, st) : session_loop(run, st);
            net::co_spawn(*ios[i % threads], std::move(body), [&st](std::exception_ptr e) {
                if (e) st.error("client coroutine failed");
            });
        }
        std::vector<std::thread> pool;
        for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&io = *ios[t]] { io.run(); });
        ios[0]->run();
        for (auto& t : pool) t.join();
        run.stats.elapsed_s = run.ms_since(run.start) / 1000.0;
        for (auto& st : stats) run.stats.merge(st);
    }
    run.stats.report();
    return run.stats.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "ftpload: %s\n", e.what());
    return 2;
}
