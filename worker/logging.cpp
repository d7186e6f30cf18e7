// Logging set-up: one default spdlog logger per process, re-created on rename or reopen.
// Used in the master and in workers; never throws from reopen_logs (keeps the old sink).
#include "worker/logging.hpp"

#include "ipc/sys/unique_fd.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <pthread.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <iterator>
#include <mutex>
#include <stdexcept>

namespace ftpd::worker {
namespace {

// spdlog's %P asks the kernel (getpid) for every line; the pid changes only at fork, so a
// cached copy refreshed in the child of every fork (pthread_atfork) gives the same text.
pid_t g_pid = ::getpid();

class PidFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        fmt::format_to(std::back_inserter(dest), "{}", g_pid);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<PidFlag>(); }
};

void cache_pid() {
    static std::once_flag once;
    std::call_once(once, [] {
        g_pid = ::getpid();
        ::pthread_atfork(nullptr, nullptr, [] { g_pid = ::getpid(); });
    });
}

std::string g_target = "stderr";
std::string g_name = "master";
spdlog::level::level_enum g_level = spdlog::level::info;

constexpr const char* kFilePattern = "%Y-%m-%d %H:%M:%S.%e [%l] %n[%P]: %v";

// A log file opened by someone else (the master): appends each line with one write().
class FdSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit FdSink(ipc::sys::unique_fd fd) : fd_(std::move(fd)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        const char* p = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            ssize_t n = ::write(fd_.get(), p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // a full disk loses the line, not the process
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    void flush_() override {}

private:
    ipc::sys::unique_fd fd_;
};

std::shared_ptr<spdlog::logger> finish_logger(spdlog::sink_ptr sink, const std::string& pattern) {
    cache_pid();
    auto logger = std::make_shared<spdlog::logger>(g_name, std::move(sink));
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PidFlag>('P').set_pattern(pattern);
    logger->set_formatter(std::move(formatter));
    logger->set_level(g_level);
    logger->flush_on(spdlog::level::trace);
    return logger;
}

std::shared_ptr<spdlog::logger> make_logger() {
    spdlog::sink_ptr sink;
    std::string pattern = kFilePattern;  // %P: PidFlag
    if (g_target == "stderr") {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (g_target == "syslog") {
        sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("ftpd", LOG_PID, LOG_FTP, true);
        pattern = "%n: %v";
    } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(g_target, false);
    }
    return finish_logger(std::move(sink), pattern);
}

}  // namespace

bool valid_log_level(const std::string& level) {
    if (level == "off") return true;
    auto l = spdlog::level::from_str(level);
    return l != spdlog::level::off;
}

void setup_logging(const std::string& target, const std::string& level, const std::string& name) {
    if (!valid_log_level(level)) throw std::runtime_error("unknown log level '" + level + "'");
    g_target = target;
    g_name = name;
    g_level = spdlog::level::from_str(level);
    try {
        spdlog::set_default_logger(make_logger());
    } catch (const spdlog::spdlog_ex& e) {
        throw std::runtime_error("cannot open log file " + target + ": " + e.what());
    }
}

void set_log_name(const std::string& name) {
    g_name = name;
    spdlog::set_default_logger(make_logger());
}

void reopen_logs() {
    if (g_target == "stderr" || g_target == "syslog") return;
    try {
        spdlog::set_default_logger(make_logger());
        spdlog::info("log file reopened");
    } catch (const spdlog::spdlog_ex& e) {
        spdlog::error("cannot reopen log file {}: {}", g_target, e.what());
    }
}

std::string log_file_path() {
    return g_target == "stderr" || g_target == "syslog" ? std::string() : g_target;
}

void reopen_logs(ipc::sys::unique_fd fd) {
    spdlog::set_default_logger(finish_logger(std::make_shared<FdSink>(std::move(fd)), kFilePattern));
    spdlog::info("log file reopened");
}

}  // namespace ftpd::worker
