// Logging set-up: one default spdlog logger per process, re-created on rename or reopen.
// Used in the master and in workers; never throws from reopen_logs (keeps the old sink).
#include "worker/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <syslog.h>

namespace ftpd::worker {
namespace {

std::string g_target = "stderr";
std::string g_name = "master";
spdlog::level::level_enum g_level = spdlog::level::info;

std::shared_ptr<spdlog::logger> make_logger() {
    spdlog::sink_ptr sink;
    std::string pattern = "%Y-%m-%d %H:%M:%S.%e [%l] %n[%P]: %v";
    if (g_target == "stderr") {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (g_target == "syslog") {
        sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("ftpd", LOG_PID, LOG_FTP, true);
        pattern = "%n: %v";
    } else {
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(g_target, false);
    }
    auto logger = std::make_shared<spdlog::logger>(g_name, sink);
    logger->set_pattern(pattern);
    logger->set_level(g_level);
    logger->flush_on(spdlog::level::trace);
    return logger;
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

}  // namespace ftpd::worker
