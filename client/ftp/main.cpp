// ftp: the interactive FTP client of the ftpd suite. Parses the command line and
// hands over to the Shell; exit status 0 when every command succeeded, 1 when one
// failed, 2 for a bad command line.
#include <clocale>
#include <iostream>
#include <string>
#include <vector>

#include "client/ftp/options.hpp"
#include "client/ftp/shell.hpp"

int main(int argc, char** argv) {
    using namespace ftpd::client;
    // Characters only (libedit must know UTF-8); numbers keep the C locale's '.'.
    std::setlocale(LC_CTYPE, "");
    Options options;
    try {
        options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::invalid_argument& e) {
        std::cerr << "ftp: " << e.what() << "\n" << usage_text();
        return 2;
    }
    if (options.help) {
        std::cout << usage_text();
        return 0;
    }
    if (options.version) {
        std::cout << "ftp (ftpd) " << FTPD_VERSION << "\n";
        return 0;
    }
    try {
        Shell shell(std::move(options));
        return shell.run();
    } catch (const std::exception& e) {
        std::cerr << "ftp: " << e.what() << "\n";
        return 1;
    }
}
