// The syscall wall's out-of-line parts: error construction and process probes.
#include "ipc/sys/syscall.hpp"

#include <signal.h>

namespace ftpd::ipc::sys {

void throw_sys(std::string_view what, int err) {
    throw std::system_error(err, std::generic_category(), std::string(what));
}

std::string call_on(std::string_view call, std::string_view object) {
    std::string s(call);
    s += "(\"";
    s += object;
    s += "\")";
    return s;
}

bool process_alive(int pid) {
    if (pid <= 0) return false;
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace ftpd::ipc::sys
