#define BOOST_TEST_MODULE unit_ipc
#include <boost/test/unit_test.hpp>
