// ftpd: the command line. Parses the flags, checks the configuration, sets up logging,
// detaches unless -f, and hands over to the master. Thin on purpose.
#include "master/config.hpp"
#include "master/daemon.hpp"
#include "master/master.hpp"
#include "worker/logging.hpp"

#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>

#include <climits>
#include <optional>
#include <cstdlib>
#include <iostream>

namespace po = boost::program_options;
using namespace ftpd::master;

namespace {

std::string absolute(const std::string& path) {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf)) return buf;
    return path;  // load_config reports why it cannot be read
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_path = "/etc/ftpd.conf";
    po::options_description desc("Usage: ftpd [-c FILE] [-f] [-t]\nOptions");
    desc.add_options()
        ("config,c", po::value(&config_path), "configuration file (default /etc/ftpd.conf)")
        ("foreground,f", "stay in the foreground, log to stderr unless log_file says otherwise")
        ("test-config,t", "check the configuration, print ok or every error, and exit")
        ("version", "print the version and exit")
        ("help,h", "print this help and exit");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "ftpd: " << e.what() << "\n(see ftpd --help)\n";
        return kExitUsage;
    }
    if (vm.count("help")) {
        std::cout << desc << "\nSee ftpd(8) and ftpd.conf(5).\n";
        return kExitOk;
    }
    if (vm.count("version")) {
        std::cout << "ftpd " << FTPD_VERSION << "\n";
        return kExitOk;
    }

    // Started by a binary upgrade (SIGUSR2 to the old master): every failure from here on
    // is also reported to the old master, which then keeps serving.
    bool foreground = vm.count("foreground") > 0;
    Detacher detacher;
    std::optional<Inheritance> inherited;
    try {
        inherited = inheritance_from_environment();
    } catch (const std::exception& e) {
        std::cerr << "ftpd: " << e.what() << "\n";
        return kExitStart;
    }
    if (inherited) detacher.adopt(std::move(inherited->report), !foreground);

    config_path = absolute(config_path);
    Config cfg;
    try {
        cfg = load_config(config_path);
    } catch (const ConfigErrors& e) {
        std::string all;
        for (const auto& err : e.errors()) {
            std::cerr << err.to_string() << "\n";
            all += (all.empty() ? "" : "; ") + err.to_string();
        }
        detacher.failed("invalid configuration: " + all, kExitConfig);
        return kExitConfig;
    }
    if (vm.count("test-config")) {
        std::cout << "ok\n";
        return kExitOk;
    }

    try {
        ftpd::worker::setup_logging(log_target(cfg, foreground), cfg.log_level, "master");
    } catch (const std::exception& e) {
        std::cerr << "ftpd: " << e.what() << "\n";
        detacher.failed(std::string("ftpd: ") + e.what(), kExitConfig);
        return kExitConfig;
    }
    const std::string binary = start_path(argv[0]);  // before detaching changes to "/"
    if (!foreground && !inherited) detacher.detach();
    try {
        return run_master(std::move(cfg), foreground, detacher, binary, std::move(inherited));
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        detacher.failed(std::string("ftpd: ") + e.what(), kExitStart);
        return kExitStart;
    }
}
