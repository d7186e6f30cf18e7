#define BOOST_TEST_MODULE unit_client
#include <boost/test/unit_test.hpp>
