// capset(2)/capget(2) and the bounding set, for the master's capability restriction.
#include "ipc/sys/capabilities.hpp"

#include "ipc/sys/syscall.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace ftpd::ipc::sys {
namespace {

struct CapSets {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
};

std::uint64_t mask_of(std::initializer_list<int> caps) {
    std::uint64_t mask = 0;
    for (int c : caps) mask |= std::uint64_t{1} << c;
    return mask;
}

}  // namespace

std::uint64_t effective_capabilities() {
    CapSets s;
    check("capget", [&] { return static_cast<int>(::syscall(SYS_capget, &s.header, s.data)); });
    return std::uint64_t{s.data[0].effective} | (std::uint64_t{s.data[1].effective} << 32);
}

void restrict_capabilities(std::initializer_list<int> keep) {
    const std::uint64_t mask = mask_of(keep);
    // The bounding set first: dropping from it needs CAP_SETPCAP, which goes next.
    for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
        if (mask >> cap & 1) continue;
        if (::prctl(PR_CAPBSET_READ, cap) == 1)
            check("prctl(PR_CAPBSET_DROP)", [&] { return ::prctl(PR_CAPBSET_DROP, cap); });
    }
    CapSets s;
    check("capget", [&] { return static_cast<int>(::syscall(SYS_capget, &s.header, s.data)); });
    for (int i = 0; i < 2; ++i) {
        // Only what the process has: capset refuses to add to the permitted set.
        auto part = static_cast<std::uint32_t>(mask >> (32 * i)) & s.data[i].permitted;
        s.data[i].effective = part;
        s.data[i].permitted = part;
        s.data[i].inheritable = 0;
    }
    check("capset", [&] { return static_cast<int>(::syscall(SYS_capset, &s.header, s.data)); });
}

void become_user(const std::string& user, const std::string& what) {
    if (::geteuid() != 0) return;
    errno = 0;
    passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("user '" + user + "' does not exist");
    if (pw->pw_uid == 0) throw std::runtime_error("refusing to run " + what + " as root (user = " + user + ")");
    check("initgroups", [&] { return ::initgroups(pw->pw_name, pw->pw_gid); });
    check("setgid", [&] { return ::setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid); });
    check("setuid", [&] { return ::setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid); });
    if (::setuid(0) == 0) throw std::runtime_error("privileges could not be dropped");
}

}  // namespace ftpd::ipc::sys
