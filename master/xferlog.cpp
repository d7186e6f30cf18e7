// The xferlog writer. Runs in the master only.
#include "master/xferlog.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace ftpd::master {

std::string format_xferlog(const ipc::Event& e) {
    std::time_t t = static_cast<std::time_t>(e.time_ms / 1000);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    std::string host = e.client;
    if (auto colon = host.rfind(':'); colon != std::string::npos) host.erase(colon);  // drop the port
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    std::string name = e.path.empty() ? "-" : e.path;
    for (char& c : name)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
    std::string user = e.user.empty() ? "-" : e.user;
    for (char& c : user)
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '_';
    long seconds = std::max(1L, std::lround(e.seconds));
    std::string line = when;
    line += ' ' + std::to_string(seconds) + ' ' + host + ' ' + std::to_string(e.bytes) + ' ' + name + ' ';
    line += e.transfer_type == 'a' ? 'a' : 'b';
    line += " _ ";
    line += e.direction == 'i' ? 'i' : 'o';
    line += ' ';
    line += e.anonymous ? 'a' : 'r';
    line += ' ' + user + " ftp 0 * ";
    line += e.ok ? 'c' : 'i';
    line += '\n';
    return line;
}

Xferlog::Xferlog(const std::string& path) : path_(path) { reopen(); }

Xferlog::~Xferlog() {
    if (file_) std::fclose(file_);
}

void Xferlog::reopen() {
    if (path_.empty()) return;
    std::FILE* f = std::fopen(path_.c_str(), "ae");
    if (!f) throw std::runtime_error("cannot open xferlog " + path_ + ": " + std::strerror(errno));
    if (file_) std::fclose(file_);
    file_ = f;
}

void Xferlog::write(const ipc::Event& e) {
    if (!file_) return;
    std::string line = format_xferlog(e);
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

}  // namespace ftpd::master
