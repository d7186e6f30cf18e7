// Fixtures for the ipc unit tests: unique object names (this test process's pid as "master
// pid"), RAII clean-up of every ftpd.<pid>.* object, forked helper processes, temp dirs.
// Runs in the unit_ipc test process; a forked child always leaves with _exit().
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "ipc/names.hpp"

namespace ftpd::ipc::test {

// Removes every ftpd.<pid>.* object of /dev/shm on construction (leftovers of a crashed run)
// and on destruction, so a failed assertion never leaves objects behind.
struct ShmGuard {
    int pid;
    explicit ShmGuard(int master_pid = ::getpid()) : pid(master_pid) { remove_objects_of(pid); }
    ~ShmGuard() {
        try {
            remove_objects_of(pid);
        } catch (...) {
        }
    }
    ShmGuard(const ShmGuard&) = delete;
    ShmGuard& operator=(const ShmGuard&) = delete;
};

// True when /dev/shm holds an object of this name.
inline bool shm_exists(const std::string& name) {
    return std::filesystem::exists(std::filesystem::path(std::string(kShmDir)) / name);
}

// fork()s a child that runs fn() and leaves with _exit(fn's result), or 127 if fn throws;
// it never returns into the test framework. Returns the child's pid.
template <class Fn>
pid_t fork_child(Fn&& fn) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int code = 127;
        try {
            code = fn();
        } catch (...) {
        }
        ::_exit(code);
    }
    return pid;
}

// Reaps the child; returns its exit code, or 128 + signal when a signal ended it.
inline int wait_child(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The pid of a child that has exited and been reaped: a pid with no process (until reused).
inline int dead_pid() {
    const pid_t pid = fork_child([] { return 0; });
    wait_child(pid);
    return pid;
}

// A fresh directory under the temp dir, removed with its contents on destruction.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "ftpd-ipc-test.XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Creates an empty file `name` in the directory.
    void touch(const std::string& name) const {
        if (FILE* f = std::fopen((path / name).c_str(), "w")) std::fclose(f);
    }
    bool has(const std::string& name) const { return std::filesystem::exists(path / name); }
};

}  // namespace ftpd::ipc::test
