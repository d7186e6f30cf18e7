// The verb table's rules as data: verb + session state -> refusal code or the handler runs,
// which arguments are masked in logs, what keeps RNFR, and what the control monitor does
// while busy. No socket, no session.
#include "worker/command_table.hpp"

#include <boost/test/unit_test.hpp>

#include <string_view>

using namespace ftpd::worker;

namespace {

const CommandSpec& spec(std::string_view verb) {
    const CommandSpec* s = find_command(verb);
    BOOST_REQUIRE_MESSAGE(s, "verb " << verb << " is in the table");
    return *s;
}

// The reply code dispatch gives before the handler, 0 when the handler runs.
int refusal_code(std::string_view verb, std::string_view arg, CommandState state) {
    auto r = refusal_of(spec(verb), arg, state);
    return r ? r->code : 0;
}

constexpr CommandState kAnonymous{};                                           // before login
constexpr CommandState kLoggedIn{.logged_in = true};
constexpr CommandState kClearTextForbidden{.clear_text_forbidden = true};      // tls = required

}  // namespace

BOOST_AUTO_TEST_SUITE(command_table)

BOOST_AUTO_TEST_CASE(unknown_verb_replies_500_and_rfc959_unimplemented_502) {
    BOOST_TEST(find_command("XYZZY") == nullptr);
    BOOST_TEST(unknown_verb_code("XYZZY") == 500);
    BOOST_TEST(unknown_verb_code("REIN") == 502);
    BOOST_TEST(unknown_verb_code("SMNT") == 502);
}

BOOST_AUTO_TEST_CASE(login_commands_before_login_reply_530) {
    BOOST_TEST(refusal_code("RETR", "a", kAnonymous) == 530);
    BOOST_TEST(refusal_code("LIST", "", kAnonymous) == 530);
    BOOST_TEST((refusal_of(spec("LIST"), "", kAnonymous)->rule == Refusal::Rule::login));
    BOOST_TEST(refusal_code("RETR", "a", kLoggedIn) == 0);
}

BOOST_AUTO_TEST_CASE(rfc2389_and_rfc4217_commands_run_before_login) {
    for (std::string_view verb : {"FEAT", "SYST", "NOOP", "HELP", "QUIT", "CCC"})
        BOOST_TEST(refusal_code(verb, "", kAnonymous) == 0, verb);
    for (std::string_view verb : {"AUTH", "PBSZ", "PROT", "USER", "OPTS"})
        BOOST_TEST(refusal_code(verb, "x", kAnonymous) == 0, verb);
}

BOOST_AUTO_TEST_CASE(missing_argument_replies_501) {
    BOOST_TEST(refusal_code("USER", "", kAnonymous) == 501);
    BOOST_TEST(refusal_code("RETR", "", kLoggedIn) == 501);
    BOOST_TEST(refusal_code("CWD", "", kLoggedIn) == 501);
    BOOST_TEST(refusal_code("PWD", "", kLoggedIn) == 0);
}

BOOST_AUTO_TEST_CASE(login_is_checked_before_the_argument) {
    BOOST_TEST((refusal_of(spec("RETR"), "", kAnonymous)->rule == Refusal::Rule::login));
}

BOOST_AUTO_TEST_CASE(nul_cr_or_lf_in_an_argument_replies_501) {
    using namespace std::string_literals;
    auto with_nul = "a\0b"s;
    BOOST_TEST(refusal_code("RETR", with_nul, kLoggedIn) == 501);
    BOOST_TEST((refusal_of(spec("RETR"), with_nul, kLoggedIn)->rule == Refusal::Rule::unsafe_argument));
    BOOST_TEST(refusal_code("DELE", "a\rb", kLoggedIn) == 501);
}

BOOST_AUTO_TEST_CASE(tls_required_refuses_user_and_pass_in_clear_text_with_530) {
    BOOST_TEST(refusal_code("USER", "bob", kClearTextForbidden) == 530);
    BOOST_TEST(refusal_code("PASS", "secret", kClearTextForbidden) == 530);
    BOOST_TEST((refusal_of(spec("PASS"), "x", kClearTextForbidden)->rule == Refusal::Rule::tls_required));
    // what leads to TLS is still allowed
    BOOST_TEST(refusal_code("AUTH", "TLS", kClearTextForbidden) == 0);
    BOOST_TEST(refusal_code("FEAT", "", kClearTextForbidden) == 0);
    BOOST_TEST(refusal_code("USER", "bob", kAnonymous) == 0);
}

BOOST_AUTO_TEST_CASE(only_pass_has_its_argument_masked_in_logs) {
    for (const auto& s : commands()) BOOST_TEST(((s.needs & kSecret) != 0) == (s.verb == "PASS"), s.verb);
}

BOOST_AUTO_TEST_CASE(only_rnto_keeps_the_rnfr_name) {
    for (const auto& s : commands()) BOOST_TEST(((s.needs & kAfterRnfr) != 0) == (s.verb == "RNTO"), s.verb);
}

BOOST_AUTO_TEST_CASE(while_busy_abor_aborts_stat_reports_quit_ends_fs_wait_others_queue) {
    BOOST_TEST((while_busy_of(&spec("ABOR"), "") == WhileBusy::abort));
    BOOST_TEST((while_busy_of(&spec("STAT"), "") == WhileBusy::status));
    BOOST_TEST((while_busy_of(&spec("STAT"), "pub") == WhileBusy::queue));  // STAT path: a listing
    BOOST_TEST((while_busy_of(&spec("QUIT"), "") == WhileBusy::quit));
    BOOST_TEST((while_busy_of(&spec("RETR"), "a") == WhileBusy::queue));
    BOOST_TEST((while_busy_of(nullptr, "") == WhileBusy::queue));
}

BOOST_AUTO_TEST_CASE(every_verb_is_upper_case_unique_and_has_help_syntax) {
    for (const auto& s : commands()) {
        BOOST_TEST(find_command(s.verb) == &s, s.verb);  // the first entry of its verb: unique
        BOOST_TEST(!s.syntax.empty(), s.verb);
        for (char c : s.verb) BOOST_TEST(((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')), s.verb);
    }
}

BOOST_AUTO_TEST_SUITE_END()
