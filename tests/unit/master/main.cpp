#define BOOST_TEST_MODULE unit_master
#include <boost/test/unit_test.hpp>
