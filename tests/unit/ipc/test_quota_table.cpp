// Unit tests of ipc/quota_table: an entry per user, claimed once and found by every view;
// reservations that never pass the limit; scans stored and made stale by a worker's death
// (reset_slot); a claim word left by a dead process taken over; copies for ftpctl.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "ipc/quota_table.hpp"
#include "ipc/status_segment.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

using namespace ftpd::ipc;

namespace {

struct QuotaFixture {
    test::ShmGuard guard;
    SegmentOwner owner{guard.pid, Geometry{2, 4}, "/etc/ftpd.conf"};
    SegmentView view{guard.pid};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(quota_table, QuotaFixture)

BOOST_AUTO_TEST_CASE(one_entry_per_user_found_by_every_view) {
    BOOST_TEST(find_quota(view, "alice") == nullptr);
    QuotaEntryData* a = claim_quota(view, "alice");
    BOOST_REQUIRE(a != nullptr);
    BOOST_TEST(claim_quota(view, "alice") == a);
    BOOST_TEST(find_quota(owner, "alice") == &owner.quota_table().entries[0]);
    QuotaEntryData* b = claim_quota(view, "bob");
    BOOST_REQUIRE(b != nullptr);
    BOOST_TEST(b != a);
    BOOST_TEST(claim_quota(view, "") == nullptr);
    BOOST_TEST(claim_quota(view, std::string(64, 'x')) == nullptr);  // does not fit the field
    BOOST_TEST(read_quotas(view).size() == 2u);
}

BOOST_AUTO_TEST_CASE(reservations_never_pass_the_limit) {
    QuotaEntryData& e = *claim_quota(view, "alice");
    store_scan(e, 900, 3, quota_epoch(view), monotonic_ms());
    BOOST_TEST(reserve_bytes(e, 100, 1000));   // exactly at the limit
    BOOST_TEST(!reserve_bytes(e, 1, 1000));    // one byte over: refused, nothing added
    BOOST_TEST(read_quota(view, e).bytes == 1000);
    BOOST_TEST(reserve_bytes(e, 1 << 20, 0));  // no limit
    add_usage(e, -(1 << 20) - 500, -1);
    const QuotaUsage u = read_quota(view, e);
    BOOST_TEST(u.bytes == 500);
    BOOST_TEST(u.files == 2);
    add_usage(e, -10'000, 0);  // more than it has (a file counted twice): shown as 0
    BOOST_TEST(read_quota(view, e).bytes == 0);
}

BOOST_AUTO_TEST_CASE(a_dead_worker_makes_every_usage_stale) {
    QuotaEntryData& e = *claim_quota(view, "alice");
    BOOST_TEST(!quota_fresh(view, e, 0));  // never counted
    const std::uint64_t epoch = quota_epoch(view);
    store_scan(e, 10, 1, epoch, 1000);
    BOOST_TEST(quota_fresh(view, e, 0, 1'000'000));
    BOOST_TEST(quota_fresh(view, e, 5000, 6000));
    BOOST_TEST(!quota_fresh(view, e, 5000, 6001));  // quota_rescan: older than 5 s
    owner.reset_slot(1);
    BOOST_TEST(!quota_fresh(view, e, 0));
    BOOST_TEST(!read_quota(view, e).valid);
    // A scan that started before the death stays stale.
    store_scan(e, 10, 1, epoch, monotonic_ms());
    BOOST_TEST(!quota_fresh(view, e, 0));
    store_scan(e, 10, 1, quota_epoch(view), monotonic_ms());
    BOOST_TEST(quota_fresh(view, e, 0));
}

BOOST_AUTO_TEST_CASE(a_claim_word_left_by_a_dead_process_is_taken_over) {
    const pid_t child = ::fork();
    if (child == 0) _exit(0);
    ::waitpid(child, nullptr, 0);
    view.quota_table().claim_pid.store(child);  // as if it died while claiming
    BOOST_TEST(claim_quota(view, "carol") != nullptr);
    BOOST_TEST(view.quota_table().claim_pid.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
