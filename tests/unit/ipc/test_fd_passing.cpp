// Passing descriptors over a Unix datagram socket pair: what arrives is the same open
// file (writes through it land in the file), only the latest of several is kept, and an
// empty queue answers at once with no descriptor.
#include "ipc/sys/fd_passing.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

using namespace ftpd::ipc::sys;

namespace {

unique_fd pipe_write_end(unique_fd& read_end) {
    int p[2];
    BOOST_REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    read_end.reset(p[0]);
    return unique_fd(p[1]);
}

std::string read_some(int fd) {
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fd_passing)

BOOST_AUTO_TEST_CASE(nothing_queued_gives_no_descriptor) {
    auto pair = datagram_socket_pair();
    BOOST_TEST(!receive_latest_fd(pair.second.get()));
}

BOOST_AUTO_TEST_CASE(the_received_descriptor_is_the_same_open_file) {
    auto pair = datagram_socket_pair();
    unique_fd read_end;
    unique_fd write_end = pipe_write_end(read_end);
    send_fd(pair.first.get(), write_end.get());
    write_end.reset();  // the copy in flight keeps the pipe open
    unique_fd got = receive_latest_fd(pair.second.get());
    BOOST_REQUIRE(got);
    BOOST_TEST((::fcntl(got.get(), F_GETFD) & FD_CLOEXEC) != 0);
    BOOST_REQUIRE(::write(got.get(), "hello", 5) == 5);
    BOOST_TEST(read_some(read_end.get()) == "hello");
}

BOOST_AUTO_TEST_CASE(only_the_latest_of_several_is_kept) {
    auto pair = datagram_socket_pair();
    unique_fd first_read, second_read;
    unique_fd first = pipe_write_end(first_read);
    unique_fd second = pipe_write_end(second_read);
    send_fd(pair.first.get(), first.get());
    send_fd(pair.first.get(), second.get());
    first.reset();
    second.reset();
    unique_fd got = receive_latest_fd(pair.second.get());
    BOOST_REQUIRE(got);
    BOOST_REQUIRE(::write(got.get(), "2", 1) == 1);
    BOOST_TEST(read_some(second_read.get()) == "2");
    // The earlier copy was closed: its pipe has no writer left, so reading sees EOF.
    BOOST_TEST(read_some(first_read.get()).empty());
    BOOST_TEST(!receive_latest_fd(pair.second.get()));
}

BOOST_AUTO_TEST_SUITE_END()
