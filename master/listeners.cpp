// Binding the listening sockets. Runs in the master only.
#include "master/listeners.hpp"

#include "ipc/sys/syscall.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

namespace ftpd::master {
namespace sys = ipc::sys;

std::string Listener::describe() const {
    std::string text = address.v6 ? "[" + address.host + "]:" + std::to_string(bound_port)
                                  : address.host + ":" + std::to_string(bound_port);
    if (address.implicit_tls) text += " (implicit TLS)";
    if (address.proxy_protocol) text += " (PROXY protocol)";
    return text;
}

Listener bind_listener(const ListenAddress& address) {
    Listener l;
    l.address = address;
    int family = address.v6 ? AF_INET6 : AF_INET;
    l.fd.reset(sys::check("socket", [&] { return ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0); }));
    int one = 1;
    ::setsockopt(l.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (address.v6) {
        ::setsockopt(l.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(address.port);
        ::inet_pton(AF_INET6, address.host.c_str(), &sa->sin6_addr);
        len = sizeof *sa;
    } else {
        auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(address.port);
        ::inet_pton(AF_INET, address.host.c_str(), &sa->sin_addr);
        len = sizeof *sa;
    }
    if (::bind(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        int err = errno;
        std::string hint = err == EADDRINUSE ? " (is another ftpd running? see pid_file)"
                           : err == EACCES   ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                                             : "";
        throw std::runtime_error("cannot listen on " + address.text + ": " + std::strerror(err) + hint);
    }
    sys::check("listen", [&] { return ::listen(l.fd.get(), SOMAXCONN); });
    len = sizeof ss;
    sys::check("getsockname", [&] { return ::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&ss), &len); });
    l.bound_port = ntohs(address.v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return l;
}

std::vector<Listener> rebind(std::vector<Listener>& current, const std::vector<ListenAddress>& wanted) {
    std::vector<Listener> out;
    std::vector<bool> taken(current.size(), false);
    for (const auto& w : wanted) {
        bool reused = false;
        for (std::size_t i = 0; i < current.size(); ++i) {
            if (!taken[i] && current[i].address.text == w.text &&
                current[i].address.implicit_tls == w.implicit_tls) {
                taken[i] = true;
                reused = true;
                out.push_back(Listener{w, sys::unique_fd(::fcntl(current[i].fd.get(), F_DUPFD_CLOEXEC, 0)), current[i].bound_port});
                break;
            }
        }
        if (!reused) out.push_back(bind_listener(w));
    }
    return out;
}

}  // namespace ftpd::master
