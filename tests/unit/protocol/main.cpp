#define BOOST_TEST_MODULE unit_protocol
#include <boost/test/unit_test.hpp>
