// The hook runner's loop: receives events from the master, queues one job per matching hook
// (dropping the oldest beyond hook_queue, counted and logged), runs up to hook_concurrency at
// once, and reports its counters back. Runs in the hook runner process only.
#include "master/hooks/runner.hpp"

#include "ipc/event.hpp"
#include "ipc/sys/fd_passing.hpp"
#include "master/hooks/command_hook.hpp"
#include "master/hooks/hook_event.hpp"
#include "master/hooks/webhook.hpp"
#include "worker/logging.hpp"
#include "worker/net.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/socket.h>

#include <cstring>
#include <deque>
#include <memory>

namespace ftpd::master::hooks {
namespace {

namespace net = boost::asio;
using net::awaitable;
using net::use_awaitable;

constexpr auto kReportEvery = std::chrono::milliseconds(50);

struct Job {
    std::shared_ptr<const HookSettings> settings;  // as they were when the event came
    bool webhook = false;
    std::size_t index = 0;                         // into settings->commands or ->webhooks
    HookEvent type = HookEvent::upload;
    ipc::Event event;
};

class Runner {
public:
    Runner(net::io_context& io, int channel, int log_channel, const HookSettings& settings)
        : io_(io),
          channel_(io, channel),
          log_channel_(log_channel),
          signals_(io, SIGTERM, SIGINT),
          reopen_(io, SIGUSR1),
          report_timer_(io),
          settings_(std::make_shared<const HookSettings>(settings)),
          webhooks_(io) {
        std::memset(&counters_, 0, sizeof counters_);
        webhooks_.configure(*settings_);
    }

    void start() {
        wait_reopen();
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            spdlog::info("signal {}: stopping; {} hook(s) running, {} queued", sig, counters_.running, queue_.size());
            stop();
        });
        net::co_spawn(io_, receive(), [this](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("channel: {}", ex.what());
                }
            }
            stop();
        });
        report();
    }

private:
    // SIGUSR1 (logrotate): the log file the master re-opened, or the same path again.
    void wait_reopen() {
        reopen_.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            ipc::sys::unique_fd fd;
            try {
                fd = ipc::sys::receive_latest_fd(log_channel_.get());
            } catch (const std::exception& e) {
                spdlog::error("cannot take the log file from the master: {}", e.what());
            }
            if (fd)
                worker::reopen_logs(std::move(fd));
            else
                worker::reopen_logs();
            wait_reopen();
        });
    }

    awaitable<void> receive() {
        std::vector<char> buf(kMaxMessage);
        for (;;) {
            boost::system::error_code ec;
            co_await channel_.async_wait(net::posix::stream_descriptor::wait_read, net::redirect_error(use_awaitable, ec));
            if (ec) co_return;
            for (;;) {  // one packet per message (SOCK_SEQPACKET)
                ssize_t n = ::recv(channel_.native_handle(), buf.data(), buf.size(), MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
                if (n <= 0) {
                    spdlog::info("the master closed the channel; exiting");
                    co_return;
                }
                handle(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            }
        }
    }

    void handle(std::string_view msg) {
        char kind = msg.front();
        msg.remove_prefix(1);
        if (kind == kMsgSettings) {
            auto s = decode_settings(msg);
            if (!s) {
                spdlog::error("malformed settings from the master; keeping the old ones");
                return;
            }
            settings_ = std::make_shared<const HookSettings>(std::move(*s));
            webhooks_.configure(*settings_);
            spdlog::info("new settings: {} command hook(s), {} webhook(s)", settings_->commands.size(),
                         settings_->webhooks.size());
            pump();
        } else if (kind == kMsgEvent) {
            auto e = ipc::decode({msg.data(), msg.size()});
            if (!e) {
                spdlog::warn("malformed event from the master; dropped");
                return;
            }
            enqueue(*e);
        }
    }

    void enqueue(const ipc::Event& e) {
        auto type = hook_event_of(e);
        if (!type) return;
        for (std::size_t i = 0; i < settings_->commands.size(); ++i)
            if (settings_->commands[i].events & mask_of(*type)) push({settings_, false, i, *type, e});
        for (std::size_t i = 0; i < settings_->webhooks.size(); ++i)
            if (settings_->webhooks[i].events & mask_of(*type)) push({settings_, true, i, *type, e});
        pump();
    }

    // Beyond hook_queue the oldest job goes: never silently.
    void push(Job job) {
        while (!queue_.empty() && queue_.size() >= std::max(1u, settings_->queue)) {
            const Job& old = queue_.front();
            spdlog::warn("hook queue full ({} jobs): dropped the {} event of session {} for {}", queue_.size(),
                         to_string(old.type), old.event.session_id, describe(old));
            count(old.type, ipc::hook_dropped);
            queue_.pop_front();
        }
        queue_.push_back(std::move(job));
        changed();
    }

    std::string describe(const Job& job) const {
        return job.webhook ? job.settings->webhooks[job.index].url.text : job.settings->commands[job.index].argv[0];
    }

    void pump() {
        while (!stopping_ && !queue_.empty() && counters_.running < std::max(1u, settings_->concurrency)) {
            auto job = std::make_shared<Job>(std::move(queue_.front()));
            queue_.pop_front();
            ++counters_.running;
            changed();
            net::co_spawn(io_, run(job), [this, job](std::exception_ptr e, bool ok) {
                if (e) {
                    ok = false;
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        spdlog::error("hook {} for {}: {}", to_string(job->type), describe(*job), ex.what());
                    }
                }
                --counters_.running;
                count(job->type, ok ? ipc::hook_ok : ipc::hook_failed);
                pump();
            });
        }
    }

    awaitable<bool> run(std::shared_ptr<Job> job) {
        if (job->webhook)
            co_return co_await webhooks_.deliver(job->settings, job->index, job->type, job->event);
        co_return co_await commands_.run(job->settings, job->index, job->type, job->event);
    }

    void count(HookEvent type, ipc::HookResult result) {
        ++counters_.by_event[static_cast<std::size_t>(type)][result];
        if (result == ipc::hook_ok) ++counters_.done;
        if (result == ipc::hook_failed) ++counters_.failed;
        if (result == ipc::hook_dropped) ++counters_.dropped;
        changed();
    }

    // Counters go to the master at most every kReportEvery, and once more after a change.
    void changed() {
        counters_.queued = queue_.size();
        dirty_ = true;
    }

    void report() {
        if (dirty_) {
            dirty_ = false;
            char msg[1 + sizeof(ipc::HookCounters)];
            msg[0] = kMsgCounters;
            std::memcpy(msg + 1, &counters_, sizeof counters_);
            if (::send(channel_.native_handle(), msg, sizeof msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) dirty_ = true;
        }
        if (stopping_) return;
        report_timer_.expires_after(kReportEvery);
        report_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) report();
        });
    }

    void stop() {
        if (stopping_) return;
        stopping_ = true;
        commands_.terminate_all();
        io_.stop();
    }

    net::io_context& io_;
    net::posix::stream_descriptor channel_;
    ipc::sys::unique_fd log_channel_;
    net::signal_set signals_;
    net::signal_set reopen_;
    net::steady_timer report_timer_;
    std::shared_ptr<const HookSettings> settings_;
    std::deque<Job> queue_;
    ipc::HookCounters counters_;
    bool dirty_ = true;
    bool stopping_ = false;
    CommandRunner commands_;
    WebhookClient webhooks_;
};

}  // namespace

int run_hook_runner(int channel, int log_channel, const HookSettings& settings) noexcept {
    try {
        net::io_context io(1);
        Runner runner(io, channel, log_channel, settings);
        runner.start();
        spdlog::info("ready: {} command hook(s), {} webhook(s), concurrency {}, queue {}", settings.commands.size(),
                     settings.webhooks.size(), settings.concurrency, settings.queue);
        io.run();
        return 0;
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}

}  // namespace ftpd::master::hooks
