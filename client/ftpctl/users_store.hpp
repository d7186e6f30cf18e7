// Safe edits of the users file for `ftpctl user`: an exclusive lock against a second
// ftpctl, the file read into a UsersDocument, and the new text written to a temporary file
// in the same directory, fsynced, given the old file's mode and owner and renamed over
// it (then the directory fsynced). Readers (the master) see the old file or the new one,
// never a part. Runs in ftpctl only.
#pragma once

#include "ipc/sys/unique_fd.hpp"
#include "worker/accounts.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

namespace ftpd::client {

class UsersStoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// flock() on PATH.lock (created 0600 and left in place, so every ftpctl locks the same
// inode). Waits up to `wait` for another holder, then throws UsersStoreError.
class UsersFileLock {
public:
    explicit UsersFileLock(const std::string& users_path, std::chrono::milliseconds wait = std::chrono::seconds(10));

private:
    ipc::sys::unique_fd fd_;
};

// The file as a document; a file that does not exist is an empty document (user add
// creates it). Throws UsersStoreError when it cannot be read.
worker::UsersDocument read_users_document(const std::string& path);

// Replaces the file with doc.render() as described above. A new file is created 0600.
// Throws UsersStoreError naming the call that failed; the old file is then untouched.
void write_users_document(const std::string& path, const worker::UsersDocument& doc);

}  // namespace ftpd::client
