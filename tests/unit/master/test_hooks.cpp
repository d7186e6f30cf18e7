// Unit tests of master/hooks' pure parts: event lists, command-line splitting without a
// shell, URLs, the settings' wire form, the event -> hook mapping, JSON and the HMAC.
#include <boost/test/unit_test.hpp>

#include "master/hooks/hook_event.hpp"
#include "master/hooks/hook_settings.hpp"

#include <stdexcept>
#include <string>
#include <vector>

using namespace ftpd::master::hooks;
using Words = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(hooks)

BOOST_AUTO_TEST_CASE(event_lists_and_all) {
    BOOST_TEST(parse_events("upload") == mask_of(HookEvent::upload));
    BOOST_TEST(parse_events("upload,rename,logout") ==
               (mask_of(HookEvent::upload) | mask_of(HookEvent::rename) | mask_of(HookEvent::logout)));
    BOOST_TEST(parse_events("all") == kAllEvents);
    BOOST_CHECK_THROW(parse_events("upload,explode"), std::invalid_argument);
    BOOST_CHECK_THROW(parse_events("upload,"), std::invalid_argument);
    BOOST_CHECK_THROW(parse_events("Upload"), std::invalid_argument);
    BOOST_TEST(to_string(HookEvent::delete_) == "delete");
    BOOST_TEST(to_string(HookEvent::login_failed) == "login_failed");
}

BOOST_AUTO_TEST_CASE(words_split_like_a_shell_but_nothing_expands) {
    BOOST_TEST(split_words("/bin/x a  b") == (Words{"/bin/x", "a", "b"}));
    BOOST_TEST(split_words("/bin/x 'a b' \"c \\\" d\" e\\ f") == (Words{"/bin/x", "a b", "c \" d", "e f"}));
    BOOST_TEST(split_words("/bin/x $HOME $(id) `id` ;|&") == (Words{"/bin/x", "$HOME", "$(id)", "`id`", ";|&"}));
    BOOST_TEST(split_words("/bin/x ''") == (Words{"/bin/x", ""}));
    BOOST_CHECK_THROW(split_words("/bin/x 'open"), std::invalid_argument);
    BOOST_CHECK_THROW(split_words("/bin/x \"open"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(command_hooks_need_an_absolute_executable) {
    auto h = parse_command_hook("upload,delete /bin/echo hello 'big world'");
    BOOST_TEST(h.events == (mask_of(HookEvent::upload) | mask_of(HookEvent::delete_)));
    BOOST_TEST(h.argv == (Words{"/bin/echo", "hello", "big world"}));
    BOOST_CHECK_THROW(parse_command_hook("upload echo"), std::invalid_argument);
    BOOST_CHECK_THROW(parse_command_hook("upload /nonexistent/x"), std::invalid_argument);
    BOOST_CHECK_THROW(parse_command_hook("upload"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(urls_are_taken_apart) {
    Url u = parse_url("https://hooks.example.com/ftpd?x=1#frag");
    BOOST_TEST(u.https);
    BOOST_TEST(u.host == "hooks.example.com");
    BOOST_TEST(u.port == "443");
    BOOST_TEST(u.target == "/ftpd?x=1");
    Url v = parse_url("http://[::1]:8080");
    BOOST_TEST(!v.https);
    BOOST_TEST(v.host == "::1");
    BOOST_TEST(v.port == "8080");
    BOOST_TEST(v.target == "/");
    BOOST_TEST(parse_url("http://127.0.0.1?a").target == "/?a");
    for (const char* bad : {"ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:99999/", "http://h:/",
                            "http://u@h/", "http://h/a b", "https://[::1/"})
        BOOST_CHECK_THROW(parse_url(bad), std::invalid_argument);
    BOOST_CHECK_THROW(parse_webhook("upload http://h/ extra"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(settings_round_trip) {
    HookSettings s;
    s.commands.push_back(parse_command_hook("upload /bin/echo 'a\nb' c"));
    s.webhooks.push_back(parse_webhook("all https://h:8443/x"));
    s.user = "ftpmove";
    s.timeout = 7;
    s.concurrency = 2;
    s.queue = 5;
    s.retries = 0;
    s.secret = std::string("se\0cret", 7);
    s.cacert = "/etc/ca.pem";
    auto bytes = encode_settings(s);
    auto back = decode_settings(bytes);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->commands.at(0).argv == s.commands[0].argv);
    BOOST_TEST(back->commands[0].events == s.commands[0].events);
    BOOST_TEST(back->webhooks.at(0).url.text == "https://h:8443/x");
    BOOST_TEST(back->webhooks[0].url.port == "8443");
    BOOST_TEST((back->user == s.user && back->secret == s.secret && back->cacert == s.cacert));
    BOOST_TEST((back->timeout == 7 && back->concurrency == 2 && back->queue == 5 && back->retries == 0));
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) BOOST_TEST(!decode_settings(bytes.substr(0, cut)));
    BOOST_TEST(!decode_settings(bytes + "x"));
}

BOOST_AUTO_TEST_CASE(ipc_events_map_to_hook_events) {
    using T = ftpd::ipc::EventType;
    ftpd::ipc::Event e;
    e.type = T::transfer_finished;
    e.direction = 'i';
    e.ok = true;
    BOOST_TEST((hook_event_of(e) == HookEvent::upload));
    e.ok = false;  // a failed or aborted upload fires nothing
    BOOST_TEST(!hook_event_of(e));
    e.ok = true;
    e.direction = 'o';
    BOOST_TEST((hook_event_of(e) == HookEvent::download));
    e.type = T::session_closed;
    BOOST_TEST(!hook_event_of(e));  // never logged in
    e.user = "alice";
    BOOST_TEST((hook_event_of(e) == HookEvent::logout));
    e.type = T::session_opened;
    BOOST_TEST(!hook_event_of(e));
    e.type = T::file_renamed;
    BOOST_TEST((hook_event_of(e) == HookEvent::rename));
    e.type = T::worker_fatal;
    BOOST_TEST(!hook_event_of(e));
}

BOOST_AUTO_TEST_CASE(json_escapes_names_and_types_numbers) {
    ftpd::ipc::Event e;
    e.type = ftpd::ipc::EventType::file_renamed;
    e.user = "al\"ice";
    e.path = "/a\nb\\c\x01";
    e.target = "/é";
    e.file = "/srv/é";
    e.client = "127.0.0.1:4000";
    e.session_id = 42;
    e.tls = true;
    e.time_ms = 1'700'000'000'123;
    BOOST_TEST(hook_json(HookEvent::rename, e) ==
               R"({"event":"rename","user":"al\"ice","path":"/a\nb\\c\u0001","file":"/srv/é","target":"/é",)"
               R"("size":0,"client":"127.0.0.1:4000","session":42,"tls":true,"time":"2023-11-14T22:13:20.123Z"})");
    auto fields = hook_fields(HookEvent::rename, e);
    BOOST_TEST(fields.size() == 10u);
    BOOST_TEST(fields[8].second == "yes");
}

BOOST_AUTO_TEST_CASE(hmac_matches_rfc_4231) {
    // RFC 4231 test case 2.
    BOOST_TEST(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_SUITE_END()
