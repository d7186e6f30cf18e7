// Listing facts: FileInfo from stat data, RFC 3659 perm letters, OPTS MLST selection.
// Runs in workers; pure functions (the caller does the stat()s).
#include "worker/file_facts.hpp"

#include <cctype>

namespace ftpd::worker {

namespace {

struct Access {
    bool read = false, write = false, exec = false;
};

// The owner, group or other bits that apply to these credentials, as the kernel checks
// them (root may read and write anything and search any directory).
Access access_to(const struct stat& st, const Permissions& p) {
    if (p.uid == 0) return {true, true, S_ISDIR(st.st_mode) || (st.st_mode & 0111) != 0};
    unsigned bits = st.st_uid == p.uid ? (st.st_mode >> 6) : st.st_gid == p.gid ? (st.st_mode >> 3) : st.st_mode;
    return {(bits & 4) != 0, (bits & 2) != 0, (bits & 1) != 0};
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

int fact_index(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kMlstFacts); ++i)
        if (equals_ignoring_case(name, kMlstFacts[i])) return static_cast<int>(i);
    return -1;
}

}  // namespace

protocol::FileInfo file_info(std::string name, const struct stat& st) {
    protocol::FileInfo fi;
    fi.name = std::move(name);
    fi.type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
    fi.size = static_cast<std::uint64_t>(st.st_size);
    fi.mode = st.st_mode & 07777;
    if (fi.type == 'o') fi.mode = st.st_mode;
    fi.nlink = st.st_nlink;
    fi.mtime = st.st_mtime;
    fi.mtime_ns = static_cast<std::uint32_t>(st.st_mtim.tv_nsec);
    fi.uid = st.st_uid;
    fi.gid = st.st_gid;
    fi.dev = st.st_dev;
    fi.ino = st.st_ino;
    return fi;
}

std::string mlsx_perm(const struct stat& st, const struct stat& parent, const Permissions& p) {
    Access self = access_to(st, p);
    Access dir = access_to(parent, p);
    // Deleting or renaming an entry, or replacing it through a temporary name, changes
    // the directory that holds it.
    bool change_parent = p.may_write && dir.write && dir.exec;
    std::string perm;
    if (S_ISDIR(st.st_mode)) {
        bool change_self = p.may_write && self.write && self.exec;
        if (change_self) perm += 'c';
        if (change_parent) perm += 'd';
        if (self.exec) perm += 'e';
        if (change_parent) perm += 'f';
        if (self.read && self.exec) perm += 'l';
        if (change_self) perm += "mp";
    } else if (S_ISREG(st.st_mode)) {
        if (p.may_write && self.write) perm += 'a';
        if (change_parent) perm += "df";
        if (self.read) perm += 'r';
        if (change_parent && p.may_overwrite) perm += 'w';
    }
    return perm;
}

unsigned parse_mlst_facts(std::string_view arg) {
    unsigned selected = 0;
    while (!arg.empty()) {
        auto semi = arg.find(';');
        std::string_view name = arg.substr(0, semi);
        int i = fact_index(name);
        if (i >= 0) selected |= 1u << i;
        if (semi == std::string_view::npos) break;
        arg.remove_prefix(semi + 1);
    }
    return selected;
}

std::string mlst_facts_text(unsigned selected) {
    std::string out;
    for (std::size_t i = 0; i < std::size(kMlstFacts); ++i)
        if (selected & (1u << i)) out += std::string(kMlstFacts[i]) + ';';
    return out;
}

std::string mlst_feat_text(unsigned selected) {
    std::string out = "MLST ";
    for (std::size_t i = 0; i < std::size(kMlstFacts); ++i)
        out += std::string(kMlstFacts[i]) + ((selected & (1u << i)) ? "*;" : ";");
    return out;
}

std::string select_facts(std::string_view line, unsigned selected) {
    auto blank = line.find(' ');
    if (blank == std::string_view::npos) return std::string(line);
    std::string_view facts = line.substr(0, blank);
    std::string out;
    while (!facts.empty()) {
        auto semi = facts.find(';');
        std::string_view fact = facts.substr(0, semi);
        int i = fact_index(fact.substr(0, fact.find('=')));
        if (!fact.empty() && i >= 0 && (selected & (1u << i))) out += std::string(fact) + ';';
        if (semi == std::string_view::npos) break;
        facts.remove_prefix(semi + 1);
    }
    return out + std::string(line.substr(blank));
}

}  // namespace ftpd::worker
