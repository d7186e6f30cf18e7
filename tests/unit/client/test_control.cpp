// Unit tests of client/ftpctl/control: the pid_file lookup in a config, finding a live
// master from its pid file (with the operator's error lines), and signalling it. Signals go
// to a forked child only; a child always leaves with _exit().
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>

#include "client/ftpctl/control.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

using namespace ftpd::client;
namespace test = ftpd::ipc::test;

namespace {

// The message of the ControlError that fn throws ("" if it throws none).
template <class Fn>
std::string control_error_of(Fn&& fn) {
    try {
        fn();
    } catch (const ControlError& e) {
        return e.what();
    }
    return "";
}

std::string write_file(const test::TempDir& dir, const std::string& name, const std::string& text) {
    const std::string path = (dir.path / name).string();
    std::ofstream(path) << text;
    return path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control)

BOOST_AUTO_TEST_CASE(pid_file_defaults_when_the_key_is_absent) {
    BOOST_TEST(pid_file_in("") == "/run/ftpd.pid");
    BOOST_TEST(pid_file_in("listen = 0.0.0.0:21\nworkers = 2\n") == "/run/ftpd.pid");
    BOOST_TEST(pid_file_in("pid_file =\n") == "/run/ftpd.pid");  // empty value: ftpd's default
}

BOOST_AUTO_TEST_CASE(any_key_is_read_by_the_same_rules) {
    BOOST_TEST(!value_in("pid_file = /a\n", "users_file").has_value());
    BOOST_TEST(value_in("# users_file = /no\n users_file = /etc/ftpd.users \n", "users_file").value_or("") ==
               "/etc/ftpd.users");
    BOOST_TEST(value_in("users_file_x = /no\nusers_file =\n", "users_file").value_or("x") == "");
}

BOOST_AUTO_TEST_CASE(pid_file_is_read_with_blanks_trimmed) {
    BOOST_TEST(pid_file_in("workers = 2\npid_file = /tmp/a.pid\n") == "/tmp/a.pid");
    BOOST_TEST(pid_file_in("  pid_file\t=   /tmp/b.pid  \r\n") == "/tmp/b.pid");
    BOOST_TEST(pid_file_in("pid_file=/tmp/c.pid") == "/tmp/c.pid");  // no newline at the end
}

BOOST_AUTO_TEST_CASE(pid_file_ignores_comments_and_similar_keys) {
    BOOST_TEST(pid_file_in("# pid_file = /no/1.pid\n  # pid_file = /no/2.pid\npid_file = /yes.pid\n") == "/yes.pid");
    BOOST_TEST(pid_file_in("pid_file_old = /no.pid\nmy_pid_file = /no.pid\n") == "/run/ftpd.pid");
    BOOST_TEST(pid_file_in("banner = pid_file = /no.pid\n") == "/run/ftpd.pid");
}

BOOST_AUTO_TEST_CASE(pid_file_takes_the_first_of_repeated_keys) {
    BOOST_TEST(pid_file_in("pid_file = /first.pid\npid_file = /second.pid\n") == "/first.pid");
}

BOOST_AUTO_TEST_CASE(pid_file_of_config_reads_the_named_file) {
    test::TempDir dir;
    const std::string conf = write_file(dir, "ftpd.conf", "# test\nroot = /srv\npid_file = /x/ftpd.pid\n");
    BOOST_TEST(pid_file_of_config(conf) == "/x/ftpd.pid");
}

BOOST_AUTO_TEST_CASE(missing_named_config_is_a_control_error) {
    test::TempDir dir;
    const std::string conf = (dir.path / "absent.conf").string();
    BOOST_TEST(control_error_of([&] { pid_file_of_config(conf); }) ==
               "cannot read config " + conf + ": No such file or directory");
}

BOOST_AUTO_TEST_CASE(missing_pid_file_says_no_ftpd_running) {
    test::TempDir dir;
    const std::string pid_file = (dir.path / "ftpd.pid").string();
    BOOST_TEST(control_error_of([&] { find_master(pid_file); }) ==
               "no ftpd running (pid file " + pid_file + ": No such file or directory)");
}

BOOST_AUTO_TEST_CASE(dead_pid_says_no_ftpd_running) {
    test::TempDir dir;
    const int pid = test::dead_pid();
    const std::string pid_file = write_file(dir, "ftpd.pid", std::to_string(pid) + "\n");
    BOOST_TEST(control_error_of([&] { find_master(pid_file); }) ==
               "no ftpd running (pid " + std::to_string(pid) + " from " + pid_file + " is not alive)");
}

BOOST_AUTO_TEST_CASE(pid_file_without_a_positive_pid_is_refused) {
    test::TempDir dir;
    // 0 and -1 must never reach kill(2): they would signal a process group or everyone.
    for (const char* text : {"", "\n", "abc\n", "0\n", "-1\n", "12x\n", "99999999999999999999\n"}) {
        const std::string pid_file = write_file(dir, "ftpd.pid", text);
        BOOST_TEST(control_error_of([&] { find_master(pid_file); }) ==
                       "no ftpd running (pid file " + pid_file + " does not hold a pid)",
                   "pid file text: '" << text << "'");
    }
}

BOOST_AUTO_TEST_CASE(live_pid_is_found) {
    test::TempDir dir;
    const std::string pid_file = write_file(dir, "ftpd.pid", " " + std::to_string(::getpid()) + "\n");
    BOOST_TEST(find_master(pid_file) == ::getpid());
}

BOOST_AUTO_TEST_CASE(each_action_has_its_documented_signal) {
    BOOST_TEST(signal_for(Action::reload).number == SIGHUP);
    BOOST_TEST(signal_for(Action::reload).name == "SIGHUP");
    BOOST_TEST(signal_for(Action::stop).number == SIGTERM);
    BOOST_TEST(signal_for(Action::stop).name == "SIGTERM");
    BOOST_TEST(signal_for(Action::stop_graceful).number == SIGQUIT);
    BOOST_TEST(signal_for(Action::stop_graceful).name == "SIGQUIT");
    BOOST_TEST(signal_for(Action::reopen_logs).number == SIGUSR1);
    BOOST_TEST(signal_for(Action::reopen_logs).name == "SIGUSR1");
    BOOST_TEST(signal_for(Action::upgrade).number == SIGUSR2);
    BOOST_TEST(signal_for(Action::upgrade).name == "SIGUSR2");
}

BOOST_AUTO_TEST_CASE(send_action_delivers_the_signal_and_says_so) {
    // The child inherits SIGUSR1 blocked and waits for it: exit 0 = received, 1 = timed out.
    sigset_t usr1, old;
    ::sigemptyset(&usr1);
    ::sigaddset(&usr1, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &usr1, &old);
    const pid_t child = test::fork_child([&] {
        const timespec limit{10, 0};
        return ::sigtimedwait(&usr1, nullptr, &limit) == SIGUSR1 ? 0 : 1;
    });
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    BOOST_TEST(send_action(child, Action::reopen_logs) == "sent SIGUSR1 to ftpd master " + std::to_string(child));
    BOOST_TEST(test::wait_child(child) == 0);
}

BOOST_AUTO_TEST_CASE(send_action_to_an_exited_master_is_a_control_error) {
    const int pid = test::dead_pid();
    BOOST_TEST(control_error_of([&] { send_action(pid, Action::reload); }) ==
               "no ftpd running (ftpd master " + std::to_string(pid) + " has exited)");
}

BOOST_AUTO_TEST_CASE(send_action_refuses_pids_below_one) {
    BOOST_CHECK_THROW(send_action(0, Action::stop), std::invalid_argument);
    BOOST_CHECK_THROW(send_action(-1, Action::stop), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
