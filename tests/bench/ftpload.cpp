// ftpload: the benchmark's load generator (tests/bench/). One process, one Asio
// io_context, one coroutine per simulated client; talks to 127.0.0.1 only and is
// bounded in count and time. Prints one JSON line on stdout, one human line on stderr.
#include <boost/program_options.hpp>

#include <array>
#include <csignal>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <vector>

#include "tests/bench/ftp_conn.hpp"
#include "tests/bench/load_stats.hpp"

namespace po = boost::program_options;
using namespace ftpd::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string mode = "session-rate", host = "127.0.0.1", retr, file, label, stor_prefix = "ftpload";
    unsigned port = 21, concurrency = 50, sessions = 1000, streams = 1;
    double duration = 0, hold = 600, timeout = 60;
    std::uint64_t count = 0, size_mb = 1024;
    bool pasv = false;
};

// Shared by all client coroutines of a run: when to stop and what was measured.
struct Run {
    Options opt;
    tcp::endpoint server;
    Clock::time_point start = Clock::now(), deadline = Clock::time_point::max();
    std::uint64_t issued = 0;
    LoadStats stats;

    // Claims the next unit of work (a session or a transfer); false when the run is over.
    bool next() {
        if (Clock::now() >= deadline) return false;
        if (opt.count && issued >= opt.count) return false;
        ++issued;
        return true;
    }
    double ms_since(Clock::time_point t0) const {
        return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
};

// Reads the data connection to its end; returns the byte count.
awaitable<std::uint64_t> drain(tcp::socket& s) {
    std::vector<char> buf(256 * 1024);
    std::uint64_t total = 0;
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await s.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
        total += n;
        if (ec == net::error::eof) co_return total;
        if (ec) throw boost::system::system_error(ec, "data read");
    }
}

awaitable<std::uint64_t> download(FtpConn& c, const std::string& name, bool pasv) {
    co_await c.command("TYPE I", 2);
    co_await c.open_data(pasv);
    co_await c.command("RETR " + name, 1);
    std::uint64_t n = co_await drain(c.data());
    c.close_data();
    co_await c.expect("RETR end", 2);
    co_return n;
}

awaitable<std::uint64_t> upload(FtpConn& c, const std::string& name, std::uint64_t size, bool pasv) {
    co_await c.command("TYPE I", 2);
    co_await c.open_data(pasv);
    co_await c.command("STOR " + name, 1);
    std::vector<char> buf(256 * 1024);
    for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 131 + 7);
    std::uint64_t sent = 0;
    while (sent < size) {
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - sent));
        co_await net::async_write(c.data(), net::buffer(buf.data(), n), use_awaitable);
        sent += n;
    }
    c.data().shutdown(tcp::socket::shutdown_send);
    c.close_data();
    co_await c.expect("STOR end", 2);
    co_return sent;
}

// session-rate: connect, 220, USER, PASS, [TYPE I, EPSV, RETR], QUIT, close; repeat.
awaitable<void> session_loop(Run& run) {
    auto ex = co_await net::this_coro::executor;
    while (run.next()) {
        auto t0 = Clock::now();
        try {
            FtpConn c(ex);
            c.arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
            co_await c.connect(run.server);
            co_await c.login();
            if (!run.opt.retr.empty()) run.stats.bytes += co_await download(c, run.opt.retr, run.opt.pasv);
            co_await c.command("QUIT", 2);
            run.stats.latency_ms.push_back(run.ms_since(t0));
            ++run.stats.ok;
        } catch (const std::exception& e) {
            run.stats.error(e.what());
        }
    }
}

// download/upload: one stream; each unit is a whole session with one transfer.
awaitable<void> transfer_loop(Run& run, unsigned stream) {
    auto ex = co_await net::this_coro::executor;
    for (unsigned n = 0; run.next(); ++n) {
        auto t0 = Clock::now();
        try {
            FtpConn c(ex);
            c.arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
            co_await c.connect(run.server);
            co_await c.login();
            if (run.opt.mode == "download") {
                run.stats.bytes += co_await download(c, run.opt.file, run.opt.pasv);
            } else {
                auto name = run.opt.stor_prefix + "-" + std::to_string(stream) + "-" + std::to_string(n);
                run.stats.bytes += co_await upload(c, name, run.opt.size_mb << 20, run.opt.pasv);
            }
            co_await c.command("QUIT", 2);
            run.stats.latency_ms.push_back(run.ms_since(t0));
            ++run.stats.ok;
        } catch (const std::exception& e) {
            run.stats.error(e.what());
        }
    }
}

// idle: opens and logs in sessions until `sessions` were tried, keeping each open.
awaitable<void> idle_opener(Run& run, std::vector<std::unique_ptr<FtpConn>>& held) {
    auto ex = co_await net::this_coro::executor;
    while (run.issued < run.opt.sessions && run.next()) {
        auto t0 = Clock::now();
        auto c = std::make_unique<FtpConn>(ex);
        try {
            c->arm(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.timeout)));
            co_await c->connect(run.server);
            co_await c->login();
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
        ("mode", po::value(&o.mode), "session-rate | idle | download | upload")
        ("host", po::value(&o.host), "server address (127.0.0.1; loopback only)")
        ("port", po::value(&o.port), "server port")
        ("concurrency,c", po::value(&o.concurrency), "clients at once (session-rate, idle openers) (50)")
        ("duration", po::value(&o.duration), "seconds to run (session-rate, download, upload)")
        ("count", po::value(&o.count), "sessions or transfers in total (0: until --duration)")
        ("retr", po::value(&o.retr), "session-rate: also download this file in each session")
        ("pasv", po::bool_switch(&o.pasv), "PASV instead of EPSV")
        ("sessions", po::value(&o.sessions), "idle: sessions to open and hold (1000)")
        ("hold", po::value(&o.hold), "idle: seconds to hold them (600), or until SIGTERM")
        ("file", po::value(&o.file), "download: the file to RETR")
        ("size-mb", po::value(&o.size_mb), "upload: MiB per STOR (1024)")
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
    if (o.concurrency == 0 || o.streams == 0) throw std::invalid_argument("--concurrency/--streams must be > 0");
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

    net::io_context io(1);
    run.start = Clock::now();
    if (run.opt.duration > 0)
        run.deadline = run.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(run.opt.duration));
    if (run.opt.mode == "idle") {
        run_idle(run, io);
    } else {
        bool transfer = run.opt.mode == "download" || run.opt.mode == "upload";
        if (!transfer && run.opt.mode != "session-rate") throw std::invalid_argument("unknown --mode " + run.opt.mode);
        unsigned n = transfer ? run.opt.streams : run.opt.concurrency;
        for (unsigned i = 0; i < n; ++i) {
            auto body = transfer ? transfer_loop(run, i) : session_loop(run);
            net::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
                if (e) run.stats.error("client coroutine failed");
            });
        }
        io.run();
        run.stats.elapsed_s = run.ms_since(run.start) / 1000.0;
    }
    run.stats.report();
    return run.stats.ok > 0 ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "ftpload: %s\n", e.what());
    return 2;
}
