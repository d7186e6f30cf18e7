// Wildcards for mget, mput and tab completion: remote names matched with fnmatch(3)
// (the server never sees a pattern), local names expanded with glob(3).
// Runs in the ftp client; the matching half is pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ftpd::client {

// True when `word` holds an unescaped '*', '?' or '['.
bool has_glob_chars(std::string_view word);

// fnmatch(3) of one name (no '/' in it) against a pattern; a leading '.' must be
// matched explicitly (FNM_PERIOD), as in the shell.
bool glob_match(std::string_view pattern, std::string_view name);

// "sub/dir/*.txt" -> {"sub/dir/", "*.txt"}; "*.txt" -> {"", "*.txt"}.
struct PathSplit {
    std::string dir;   // with its trailing '/', or empty
    std::string base;
    bool operator==(const PathSplit&) const = default;
};
PathSplit split_dir(std::string_view path);

// The names matching `pattern`, in the order given, "." and ".." never included.
std::vector<std::string> match_names(std::string_view pattern, const std::vector<std::string>& names);

// The names starting with `prefix`, sorted and without duplicates (tab completion).
std::vector<std::string> names_with_prefix(std::string_view prefix, std::vector<std::string> names);

// Local expansion with glob(3), sorted; a word without wildcards comes back as
// itself, a pattern that matches nothing gives an empty list.
std::vector<std::string> expand_local(const std::string& pattern);

// The entries of a local directory ("." and ".." left out), directories with a
// trailing '/'; empty when it cannot be read (tab completion).
std::vector<std::string> local_entries(const std::string& dir);

}  // namespace ftpd::client
