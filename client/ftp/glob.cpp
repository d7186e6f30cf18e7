// Wildcard matching for the ftp client's mget/mput and completion (fnmatch, glob).
// Runs in the ftp client; never sends a pattern to the server.
#include "client/ftp/glob.hpp"

#include <fnmatch.h>
#include <dirent.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>

namespace ftpd::client {

bool has_glob_chars(std::string_view word) {
    for (std::size_t i = 0; i < word.size(); ++i) {
        if (word[i] == '\\') {
            ++i;
        } else if (word[i] == '*' || word[i] == '?' || word[i] == '[') {
            return true;
        }
    }
    return false;
}

bool glob_match(std::string_view pattern, std::string_view name) {
    const std::string p(pattern), n(name);
    return ::fnmatch(p.c_str(), n.c_str(), FNM_PERIOD) == 0;
}

PathSplit split_dir(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return {"", std::string(path)};
    return {std::string(path.substr(0, slash + 1)), std::string(path.substr(slash + 1))};
}

std::vector<std::string> match_names(std::string_view pattern, const std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (const auto& n : names) {
        if (n == "." || n == "..") continue;
        if (glob_match(pattern, n)) out.push_back(n);
    }
    return out;
}

std::vector<std::string> names_with_prefix(std::string_view prefix, std::vector<std::string> names) {
    std::erase_if(names, [&](const std::string& n) {
        return n == "." || n == ".." || !n.starts_with(prefix);
    });
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

std::vector<std::string> expand_local(const std::string& pattern) {
    if (!has_glob_chars(pattern)) return {pattern};
    glob_t g{};
    std::vector<std::string> out;
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    }
    ::globfree(&g);
    return out;  // glob(3) already sorts
}

std::vector<std::string> local_entries(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return out;
    while (const dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        struct stat st{};
        const bool is_dir = ::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        out.push_back(is_dir ? name + "/" : name);
    }
    ::closedir(d);
    return out;
}

}  // namespace ftpd::client
