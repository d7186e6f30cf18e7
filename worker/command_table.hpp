// The verb table: every command the server knows, its handler, what it needs before it
// runs, what the control monitor does with it while a transfer or a file-system call is in
// progress, and its syntax for HELP. Dispatch is data (session.cpp, control_monitor.cpp).
// Runs in workers; constant data only.
#pragma once

#include "worker/session.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace ftpd::worker {

// What a command needs, and the rules dispatch applies to it.
enum Needs : unsigned {
    kNothing = 0,
    kLogin = 1u << 0,        // 530 before login
    kArg = 1u << 1,          // 501 without an argument
    kCredentials = 1u << 2,  // carries a credential: refused (530) before AUTH TLS under tls = required
    kSecret = 1u << 3,       // its argument is never logged (PASS)
    kAfterRnfr = 1u << 4,    // RFC 959: must come right after RNFR, which any other command forgets
};

// What the control monitor does with a command that arrives while the session waits for a
// transfer or a file-system call (RFC 959: ABOR and STAT are answered then; QUIT waits for
// a transfer, but ends a wait for the file system).
enum class WhileBusy {
    queue,   // waits in line for the session loop
    abort,   // ABOR: cancel the transfer or the file-system wait
    status,  // STAT without an argument: report progress
    quit,    // QUIT: ends a file-system wait (not a transfer), then waits in line
};

struct CommandSpec {
    std::string_view verb;
    Session::Handler handler;
    unsigned needs;
    std::string_view syntax;  // for HELP <verb>
    WhileBusy while_busy = WhileBusy::queue;
};

// The spec of an upper-case verb, or null when the server does not know it.
const CommandSpec* find_command(std::string_view verb) noexcept;

// Every spec, in HELP order.
std::span<const CommandSpec> commands() noexcept;

// RFC 959 verbs this server knows but does not offer: 502, not 500.
bool is_unimplemented_verb(std::string_view verb) noexcept;

// The table's rules as a pure function, tested without a socket (tests/unit/worker).
// Where the session stands when a command arrives, as far as the rules look at it.
struct CommandState {
    bool logged_in = false;
    bool clear_text_forbidden = false;  // tls = required and no AUTH TLS yet
};

// Why a known command is refused before its handler runs, and the reply.
struct Refusal {
    enum class Rule { tls_required, login, argument, unsafe_argument } rule;
    int code;
    std::string_view text;
};

// The first rule of spec's flags that refuses it with `arg` in `state` (in the order
// dispatch checks them), or nullopt: the handler runs.
std::optional<Refusal> refusal_of(const CommandSpec& spec, std::string_view arg, const CommandState& state) noexcept;

// The reply to a verb the table does not know: 502 for RFC 959's REIN and SMNT, else 500.
int unknown_verb_code(std::string_view verb) noexcept;

// What the control monitor does with `spec` (null: unknown) and `arg` during a transfer or
// a file-system wait: STAT with a path is a listing and waits in line.
WhileBusy while_busy_of(const CommandSpec* spec, std::string_view arg) noexcept;

}  // namespace ftpd::worker
