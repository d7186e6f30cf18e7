#define BOOST_TEST_MODULE unit_worker
#include <boost/test/unit_test.hpp>
