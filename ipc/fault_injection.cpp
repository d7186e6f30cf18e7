// Test-only fault injection (see the header). Reaches into Boost 1.74's message_queue
// layout: its header follows managed_open_or_create_impl's prefix in the mapping.
#include "ipc/fault_injection.hpp"

#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace ftpd::ipc::testing {
namespace bip = boost::interprocess;

void hold_slot_semaphore(SegmentMapping& segment, std::uint32_t slot) { segment.slot(slot).sem.wait(); }

struct QueueMutexHandle::Impl {
    bip::mapped_region region;
};

QueueMutexHandle::QueueMutexHandle(const std::string& name) : impl_(nullptr) {
    bip::shared_memory_object shm(bip::open_only, name.c_str(), bip::read_write);
    impl_ = new Impl{bip::mapped_region(shm, bip::read_write)};
}

QueueMutexHandle::~QueueMutexHandle() { delete impl_; }

void QueueMutexHandle::lock_forever() {
    using Header = bip::ipcdetail::mq_hdr_t<bip::offset_ptr<void>>;
    using OpenOrCreate = bip::ipcdetail::managed_open_or_create_impl<bip::shared_memory_object, 0, true, false>;
    auto* header = reinterpret_cast<Header*>(static_cast<char*>(impl_->region.get_address()) +
                                             OpenOrCreate::ManagedOpenOrCreateUserOffset);
    header->m_mutex.lock();
}

void lock_queue_mutex(const std::string& name) { QueueMutexHandle(name).lock_forever(); }

}  // namespace ftpd::ipc::testing
