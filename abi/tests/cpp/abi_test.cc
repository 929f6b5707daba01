// The C++ suite of zx-abi: lib/zx classes and zxtest macros against the emulator, written as a
// Zircon conformance test would be. Built and run by abi/tests/c_programs.rs, which counts the
// TEST/TEST_F definitions here and passes --zxtest_expect=N. No main: zxtest's weak main runs.
#include <lib/zx/bti.h>
#include <lib/zx/event.h>
#include <lib/zx/handle.h>
#include <lib/zx/iommu.h>
#include <lib/zx/pager.h>
#include <lib/zx/pmt.h>
#include <lib/zx/port.h>
#include <lib/zx/resource.h>
#include <lib/zx/time.h>
#include <lib/zx/vmar.h>
#include <lib/zx/vmo.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/iommu.h>
#include <zircon/syscalls/object.h>
#include <zxemu/zxemu.h>
#include <zxtest/zxtest.h>

#include <thread>
#include <vector>

namespace {

constexpr uint64_t kPage = ZX_PAGE_SIZE;

zx_info_vmo_t VmoInfo(const zx::vmo& vmo) {
  zx_info_vmo_t info = {};
  zx_status_t status = vmo.get_info(ZX_INFO_VMO, &info, sizeof(info), nullptr, nullptr);
  if (status != ZX_OK) info.koid = ZX_KOID_INVALID;
  return info;
}

zx_koid_t KoidOf(const zx::object_base& object) {
  zx_info_handle_basic_t info = {};
  if (object.get_info(ZX_INFO_HANDLE_BASIC, &info, sizeof(info), nullptr, nullptr) != ZX_OK) {
    return ZX_KOID_INVALID;
  }
  return info.koid;
}

// Every test in the fixtures below ends with the kernel's invariants intact and, once the
// fixture's handles are gone, no page held.
class KernelChecks : public zxtest::Test {
 protected:
  void TearDown() override {
    char message[256] = {};
    EXPECT_OK(zxemu_check_invariants(message, sizeof(message), nullptr), "%s", message);
  }
};

class VmoFixture : public KernelChecks {
 protected:
  void SetUp() override {
    ASSERT_OK(zx::vmo::create(4 * kPage, 0, &vmo_));
    ASSERT_OK(vmo_.write("fixture", 0, 7));
  }
  void TearDown() override {
    vmo_.reset();
    zx_info_kmem_stats_t stats;
    ASSERT_OK(zxemu_kmem_stats(&stats));
    EXPECT_EQ(stats.vmo_bytes, 0u, "pages leaked by %s", "the test");
    KernelChecks::TearDown();
  }
  zx::vmo vmo_;
};

class PinFixture : public KernelChecks {
 protected:
  void SetUp() override {
    zx::resource root;
    ASSERT_OK(zxemu_root_resource(root.reset_and_get_address()));
    zx_iommu_desc_dummy_t desc = {};
    ASSERT_OK(zx::iommu::create(root, ZX_IOMMU_TYPE_DUMMY, &desc, sizeof(desc), &iommu_));
    ASSERT_OK(zx::bti::create(iommu_, 0, 42, &bti_));
    ASSERT_OK(zx::vmo::create(4 * kPage, 0, &vmo_));
  }
  zx::iommu iommu_;
  zx::bti bti_;
  zx::vmo vmo_;
};

// --- handles -----------------------------------------------------------------------------------

TEST(Handle, ResetClosesAndReleaseGivesUp) {
  zx::vmo vmo;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  zx_handle_t raw = vmo.get();
  EXPECT_TRUE(vmo.is_valid());
  zx_handle_t released = vmo.release();
  EXPECT_EQ(released, raw);
  EXPECT_FALSE(vmo.is_valid());
  EXPECT_OK(zx_handle_close(released));
  EXPECT_STATUS(zx_handle_close(released), ZX_ERR_BAD_HANDLE);
}

TEST(Handle, DestructorCloses) {
  zx_handle_t raw;
  {
    zx::event event;
    ASSERT_OK(zx::event::create(0, &event));
    raw = event.get();
  }
  EXPECT_STATUS(zx_handle_close(raw), ZX_ERR_BAD_HANDLE);
}

TEST(Handle, DuplicateSameKoid) {
  zx::vmo vmo, dup;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  ASSERT_OK(vmo.duplicate(ZX_RIGHT_SAME_RIGHTS, &dup));
  EXPECT_NE(vmo.get(), dup.get());
  EXPECT_EQ(KoidOf(vmo), KoidOf(dup));
  EXPECT_NE(KoidOf(vmo), ZX_KOID_INVALID);
}

TEST(Handle, ReplaceReducesRights) {
  zx::vmo vmo, ro;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  ASSERT_OK(vmo.replace(ZX_RIGHT_READ, &ro));
  EXPECT_FALSE(vmo.is_valid());
  char c = 'x';
  EXPECT_STATUS(ro.write(&c, 0, 1), ZX_ERR_ACCESS_DENIED);
  EXPECT_OK(ro.read(&c, 0, 1));
  EXPECT_EQ(c, 0);
}

TEST(Handle, GenericHandleToTypedObject) {
  zx::handle h;
  ASSERT_OK(zx_vmo_create(kPage, 0, h.reset_and_get_address()));
  zx::vmo vmo(std::move(h));
  EXPECT_FALSE(h.is_valid());
  uint64_t size = 0;
  ASSERT_OK(vmo.get_size(&size));
  EXPECT_EQ(size, kPage);
  EXPECT_EQ(size, 4096, "an unsigned and an int compare without a -Wsign-compare error");
  EXPECT_LT(-1, 0);
}

TEST(Handle, UnownedDoesNotClose) {
  zx::vmo vmo;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  {
    zx::unowned_vmo borrowed(vmo);
    uint64_t size = 0;
    EXPECT_OK(borrowed->get_size(&size));
    zx::unowned_vmo again = vmo.borrow();
    EXPECT_EQ(again->get(), vmo.get());
  }
  uint64_t size = 0;
  EXPECT_OK(vmo.get_size(&size), "the unowned copies must not have closed the handle");
}

// --- VMOs ------------------------------------------------------------------------------------

TEST_F(VmoFixture, ReadBack) {
  char buf[7];
  ASSERT_OK(vmo_.read(buf, 0, sizeof(buf)));
  EXPECT_BYTES_EQ(buf, "fixture", 7);
}

TEST_F(VmoFixture, ReadPastEnd) {
  char buf[2];
  EXPECT_STATUS(vmo_.read(buf, 4 * kPage - 1, 2), ZX_ERR_OUT_OF_RANGE);
}

TEST_F(VmoFixture, InfoFigures) {
  zx_info_vmo_t info = VmoInfo(vmo_);
  EXPECT_EQ(info.size_bytes, 4 * kPage);
  EXPECT_EQ(info.committed_bytes, kPage);
  EXPECT_EQ(ZX_INFO_VMO_TYPE(info.flags), ZX_INFO_VMO_TYPE_PAGED);
  EXPECT_EQ(info.handle_rights, ZX_DEFAULT_VMO_RIGHTS);
  EXPECT_EQ(info.num_mappings, 0u);
}

TEST_F(VmoFixture, NameProperty) {
  const char name[] = "zxtest-vmo";
  ASSERT_OK(vmo_.set_property(ZX_PROP_NAME, name, sizeof(name)));
  char back[ZX_MAX_NAME_LEN] = {};
  ASSERT_OK(vmo_.get_property(ZX_PROP_NAME, back, sizeof(back)));
  EXPECT_STREQ(back, name);
}

TEST_F(VmoFixture, ContentSizeZeroesTail) {
  ASSERT_OK(vmo_.set_prop_content_size(3));
  uint64_t content = 0;
  ASSERT_OK(vmo_.get_prop_content_size(&content));
  EXPECT_EQ(content, 3u);
  char buf[7];
  ASSERT_OK(vmo_.read(buf, 0, sizeof(buf)));
  EXPECT_BYTES_EQ(buf, "fix\0\0\0\0", 7);
}

TEST_F(VmoFixture, SetSizeNeedsResizable) {
  EXPECT_STATUS(vmo_.set_size(kPage), ZX_ERR_UNAVAILABLE);
  zx::vmo resizable;
  ASSERT_OK(zx::vmo::create(kPage, ZX_VMO_RESIZABLE, &resizable));
  ASSERT_OK(resizable.set_size(3 * kPage));
  uint64_t size = 0;
  ASSERT_OK(resizable.get_size(&size));
  EXPECT_EQ(size, 3 * kPage);
}

TEST_F(VmoFixture, OpRangeCommitDecommit) {
  ASSERT_OK(vmo_.op_range(ZX_VMO_OP_COMMIT, 0, 4 * kPage, nullptr, 0));
  EXPECT_EQ(VmoInfo(vmo_).committed_bytes, 4 * kPage);
  ASSERT_OK(vmo_.op_range(ZX_VMO_OP_DECOMMIT, kPage, 3 * kPage, nullptr, 0));
  EXPECT_EQ(VmoInfo(vmo_).committed_bytes, kPage);
  EXPECT_STATUS(vmo_.op_range(ZX_VMO_OP_DECOMMIT, 1, kPage, nullptr, 0), ZX_ERR_INVALID_ARGS);
}

// --- children --------------------------------------------------------------------------------

TEST_F(VmoFixture, SnapshotIsolated) {
  zx::vmo child;
  ASSERT_OK(vmo_.create_child(ZX_VMO_CHILD_SNAPSHOT, 0, 4 * kPage, &child));
  ASSERT_OK(child.write("CHILD", 0, 5));
  char parent_view[7], child_view[7];
  ASSERT_OK(vmo_.read(parent_view, 0, 7));
  ASSERT_OK(child.read(child_view, 0, 7));
  EXPECT_BYTES_EQ(parent_view, "fixture", 7);
  EXPECT_BYTES_EQ(child_view, "CHILDre", 7);
  zx_info_vmo_t info = VmoInfo(child);
  EXPECT_EQ(info.parent_koid, KoidOf(vmo_));
  EXPECT_TRUE(info.flags & ZX_INFO_VMO_IS_COW_CLONE);
  EXPECT_EQ(VmoInfo(vmo_).num_children, 1u);
}

TEST_F(VmoFixture, SnapshotChainOfThree) {
  zx::vmo a, b;
  ASSERT_OK(vmo_.create_child(ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &a));
  ASSERT_OK(a.create_child(ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, kPage, &b));
  vmo_.reset();
  a.reset();
  char buf[7];
  ASSERT_OK(b.read(buf, 0, 7));
  EXPECT_BYTES_EQ(buf, "fixture", 7, "the grandchild keeps the content of its closed ancestors");
}

TEST_F(VmoFixture, SliceSharesBothWays) {
  zx::vmo slice;
  ASSERT_OK(vmo_.create_child(ZX_VMO_CHILD_SLICE, 0, 2 * kPage, &slice));
  ASSERT_OK(slice.write("S", 1, 1));
  char buf[3];
  ASSERT_OK(vmo_.read(buf, 0, 3));
  EXPECT_BYTES_EQ(buf, "fSx", 3);
  EXPECT_STATUS(slice.set_size(kPage), ZX_ERR_UNAVAILABLE);
}

TEST_F(VmoFixture, ReferenceSeesResizes) {
  zx::vmo resizable, ref;
  ASSERT_OK(zx::vmo::create(kPage, ZX_VMO_RESIZABLE, &resizable));
  ASSERT_OK(resizable.create_child(ZX_VMO_CHILD_REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0, &ref));
  ASSERT_OK(ref.set_size(2 * kPage));
  uint64_t size = 0;
  ASSERT_OK(resizable.get_size(&size));
  EXPECT_EQ(size, 2 * kPage);
}

TEST_F(VmoFixture, ZeroChildrenSignal) {
  zx::vmo child;
  ASSERT_OK(vmo_.create_child(ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &child));
  zx_signals_t pending = 0;
  EXPECT_STATUS(vmo_.wait_one(ZX_VMO_ZERO_CHILDREN, zx::time(0), &pending), ZX_ERR_TIMED_OUT);
  std::thread closer([&child] { child.reset(); });
  EXPECT_OK(vmo_.wait_one(ZX_VMO_ZERO_CHILDREN, zx::time::infinite(), &pending));
  closer.join();
  EXPECT_TRUE(pending & ZX_VMO_ZERO_CHILDREN);
}

// --- transfer_data -----------------------------------------------------------------------------

TEST_F(VmoFixture, TransferMovesAndZeroesSource) {
  zx::vmo dst;
  ASSERT_OK(zx::vmo::create(2 * kPage, 0, &dst));
  ASSERT_OK(dst.transfer_data(0, kPage, kPage, &vmo_, 0));
  char buf[7];
  ASSERT_OK(dst.read(buf, kPage, 7));
  EXPECT_BYTES_EQ(buf, "fixture", 7);
  ASSERT_OK(vmo_.read(buf, 0, 7));
  EXPECT_BYTES_EQ(buf, "\0\0\0\0\0\0\0", 7);
  EXPECT_EQ(VmoInfo(vmo_).committed_bytes, 0u);
  EXPECT_EQ(VmoInfo(dst).committed_bytes, kPage);
}

TEST_F(VmoFixture, TransferChecks) {
  zx::vmo dst;
  ASSERT_OK(zx::vmo::create(kPage, 0, &dst));
  EXPECT_STATUS(dst.transfer_data(1, 0, kPage, &vmo_, 0), ZX_ERR_INVALID_ARGS);
  EXPECT_STATUS(dst.transfer_data(0, 0, 100, &vmo_, 0), ZX_ERR_INVALID_ARGS);
  EXPECT_STATUS(dst.transfer_data(0, 0, 2 * kPage, &vmo_, 0), ZX_ERR_OUT_OF_RANGE);
  zx::vmo ro;
  ASSERT_OK(vmo_.duplicate(ZX_RIGHT_READ, &ro));
  EXPECT_STATUS(dst.transfer_data(0, 0, kPage, &ro, 0), ZX_ERR_ACCESS_DENIED);
  EXPECT_OK(dst.transfer_data(0, 0, 0, &vmo_, 0));
}

TEST_F(VmoFixture, TransferKeepsSnapshotView) {
  zx::vmo snapshot, dst;
  ASSERT_OK(vmo_.create_child(ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &snapshot));
  ASSERT_OK(zx::vmo::create(kPage, 0, &dst));
  ASSERT_OK(dst.transfer_data(0, 0, kPage, &vmo_, 0));
  char buf[7];
  ASSERT_OK(snapshot.read(buf, 0, 7));
  EXPECT_BYTES_EQ(buf, "fixture", 7);
  ASSERT_OK(dst.read(buf, 0, 7));
  EXPECT_BYTES_EQ(buf, "fixture", 7);
}

// --- pinning -----------------------------------------------------------------------------------

TEST_F(PinFixture, PinCommitsAndBlocksDecommit) {
  zx_paddr_t addrs[2] = {};
  zx::pmt pmt;
  ASSERT_OK(bti_.pin(ZX_BTI_PERM_READ, vmo_, 0, 2 * kPage, addrs, 2, &pmt));
  EXPECT_NE(addrs[0], 0u);
  EXPECT_EQ(VmoInfo(vmo_).committed_bytes, 2 * kPage);
  EXPECT_STATUS(vmo_.op_range(ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  zx::vmo child;
  EXPECT_STATUS(vmo_.create_child(ZX_VMO_CHILD_SNAPSHOT, 0, kPage, &child), ZX_ERR_BAD_STATE);
  ASSERT_OK(pmt.unpin());
  EXPECT_FALSE(pmt.is_valid());
  EXPECT_OK(vmo_.op_range(ZX_VMO_OP_DECOMMIT, 0, kPage, nullptr, 0));
}

TEST_F(PinFixture, ClosedPmtQuarantines) {
  zx_paddr_t addr = 0;
  {
    zx::pmt pmt;
    ASSERT_OK(bti_.pin(ZX_BTI_PERM_WRITE, vmo_, kPage, kPage, &addr, 1, &pmt));
  }
  zx_info_bti_t info = {};
  ASSERT_OK(bti_.get_info(ZX_INFO_BTI, &info, sizeof(info), nullptr, nullptr));
  EXPECT_EQ(info.quarantine_count, 1u);
  EXPECT_STATUS(vmo_.op_range(ZX_VMO_OP_DECOMMIT, kPage, kPage, nullptr, 0), ZX_ERR_BAD_STATE);
  ASSERT_OK(bti_.release_quarantine());
  ASSERT_OK(bti_.get_info(ZX_INFO_BTI, &info, sizeof(info), nullptr, nullptr));
  EXPECT_EQ(info.quarantine_count, 0u);
  EXPECT_OK(vmo_.op_range(ZX_VMO_OP_DECOMMIT, kPage, kPage, nullptr, 0));
}

TEST_F(PinFixture, PinChecksRights) {
  zx::vmo ro;
  ASSERT_OK(vmo_.duplicate(ZX_RIGHT_READ | ZX_RIGHT_MAP, &ro));
  zx_paddr_t addr = 0;
  zx::pmt pmt;
  EXPECT_STATUS(bti_.pin(ZX_BTI_PERM_WRITE, ro, 0, kPage, &addr, 1, &pmt), ZX_ERR_ACCESS_DENIED);
  EXPECT_STATUS(bti_.pin(ZX_BTI_PERM_READ, vmo_, 1, kPage, &addr, 1, &pmt), ZX_ERR_INVALID_ARGS);
  EXPECT_STATUS(bti_.pin(ZX_BTI_PERM_READ, vmo_, 0, 8 * kPage, &addr, 1, &pmt),
                ZX_ERR_OUT_OF_RANGE);
  EXPECT_FALSE(pmt.is_valid());
}

TEST_F(PinFixture, ContiguousVmoPinsContiguously) {
  zx::vmo contiguous;
  ASSERT_OK(zx::vmo::create_contiguous(bti_, 4 * kPage, 0, &contiguous));
  zx_paddr_t addr = 0;
  zx::pmt pmt;
  ASSERT_OK(bti_.pin(ZX_BTI_PERM_READ | ZX_BTI_CONTIGUOUS, contiguous, 0, 4 * kPage, &addr, 1,
                     &pmt));
  EXPECT_EQ(addr % kPage, 0u);
  EXPECT_OK(pmt.unpin());
}

// --- pagers, ports, events, time ---------------------------------------------------------------

TEST(Pager, AReadBlocksUntilThePagerSuppliesThePage) {
  zx::pager pager;
  ASSERT_OK(zx::pager::create(0, &pager));
  zx::port port;
  ASSERT_OK(zx::port::create(0, &port));
  zx::vmo vmo;
  ASSERT_OK(pager.create_vmo(0, port, 1, kPage, &vmo));
  char seen[4] = {};
  std::thread reader([&vmo, &seen] { EXPECT_OK(vmo.read(seen, 0, sizeof(seen))); });
  zx_port_packet_t packet = {};
  ASSERT_OK(port.wait(zx::time::infinite(), &packet));
  EXPECT_EQ(packet.type, ZX_PKT_TYPE_PAGE_REQUEST);
  EXPECT_EQ(packet.page_request.command, ZX_PAGER_VMO_READ);
  EXPECT_EQ(packet.page_request.offset, 0u);
  EXPECT_EQ(packet.page_request.length, kPage);
  zx::vmo aux;
  ASSERT_OK(zx::vmo::create(kPage, 0, &aux));
  ASSERT_OK(aux.write("page", 0, 4));
  ASSERT_OK(pager.supply_pages(vmo, 0, kPage, aux, 0));
  reader.join();
  EXPECT_EQ(memcmp(seen, "page", 4), 0);
}

TEST(Pager, QueriesDirtyRangesStatsAndStreamSize) {
  zx::pager pager;
  ASSERT_OK(zx::pager::create(0, &pager));
  zx::port port;
  ASSERT_OK(zx::port::create(0, &port));
  zx::vmo vmo;
  ASSERT_OK(pager.create_vmo(0, port, 2, 4 * kPage, &vmo));
  zx::vmo aux;
  ASSERT_OK(zx::vmo::create(4 * kPage, 0, &aux));
  ASSERT_OK(pager.supply_pages(vmo, 0, 4 * kPage, aux, 0));
  zx_pager_vmo_stats_t stats = {1};
  ASSERT_OK(pager.query_vmo_stats(vmo, 0, &stats, sizeof(stats)));
  EXPECT_EQ(stats.modified, 0u);

  // Without TRAP_DIRTY a write dirties its page at once: pages 1 and 3.
  ASSERT_OK(vmo.write("a", kPage, 1));
  ASSERT_OK(vmo.write("b", 3 * kPage, 1));
  zx_vmo_dirty_range_t ranges[4] = {};
  size_t actual = 0, avail = 0;
  ASSERT_OK(pager.query_dirty_ranges(vmo, 0, 4 * kPage, ranges, sizeof(ranges), &actual, &avail));
  ASSERT_EQ(actual, 2u);
  EXPECT_EQ(avail, 2u);
  EXPECT_EQ(ranges[0].offset, kPage);
  EXPECT_EQ(ranges[0].length, kPage);
  EXPECT_EQ(ranges[0].options, 0u);
  EXPECT_EQ(ranges[1].offset, 3 * kPage);
  ASSERT_OK(pager.query_vmo_stats(vmo, ZX_PAGER_RESET_VMO_STATS, &stats, sizeof(stats)));
  EXPECT_EQ(stats.modified, ZX_PAGER_VMO_STATS_MODIFIED);
  ASSERT_OK(pager.query_vmo_stats(vmo, 0, &stats, sizeof(stats)));
  EXPECT_EQ(stats.modified, 0u);

  // Writing page 1 back leaves page 3 dirty.
  ASSERT_OK(pager.op_range(ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, kPage, kPage, 0));
  ASSERT_OK(pager.op_range(ZX_PAGER_OP_WRITEBACK_END, vmo, kPage, kPage, 0));
  ASSERT_OK(
      pager.query_dirty_ranges(vmo, 0, 4 * kPage, ranges, sizeof(ranges), &actual, nullptr));
  ASSERT_EQ(actual, 1u);
  EXPECT_EQ(ranges[0].offset, 3 * kPage);

  // Cutting the stream size to 2 pages drops pages 2 and 3 and sets the modified flag.
  uint64_t size = 0;
  ASSERT_OK(vmo.get_stream_size(&size));
  EXPECT_EQ(size, 4 * kPage);
  EXPECT_STATUS(vmo.set_stream_size(5 * kPage), ZX_ERR_OUT_OF_RANGE);
  ASSERT_OK(vmo.set_stream_size(2 * kPage));
  ASSERT_OK(vmo.get_stream_size(&size));
  EXPECT_EQ(size, 2 * kPage);
  ASSERT_OK(pager.query_dirty_ranges(vmo, 0, 4 * kPage, nullptr, 0, &actual, &avail));
  EXPECT_EQ(avail, 0u);
  ASSERT_OK(pager.query_vmo_stats(vmo, 0, &stats, sizeof(stats)));
  EXPECT_EQ(stats.modified, ZX_PAGER_VMO_STATS_MODIFIED);
  char seen = 1;
  ASSERT_OK(vmo.read(&seen, 3 * kPage, 1));
  EXPECT_EQ(seen, 0, "past the stream size reads zero");
}

TEST(Port, QueueFromAnotherThreadWakesTheWaiter) {
  zx::port port;
  ASSERT_OK(zx::port::create(0, &port));
  zx_port_packet_t packet = {};
  EXPECT_STATUS(port.wait(zx::time::infinite_past(), &packet), ZX_ERR_TIMED_OUT);
  std::thread sender([&port] {
    zx_port_packet_t sent = {};
    sent.key = 42;
    sent.status = ZX_ERR_IO;
    EXPECT_OK(port.queue(&sent));
  });
  ASSERT_OK(port.wait(zx::time::infinite(), &packet));
  sender.join();
  EXPECT_EQ(packet.key, 42u);
  EXPECT_EQ(packet.type, ZX_PKT_TYPE_USER);
  EXPECT_EQ(packet.status, ZX_ERR_IO);
}

TEST(Event, SignalAndWait) {
  zx::event event;
  ASSERT_OK(zx::event::create(0, &event));
  ASSERT_OK(event.signal(0, ZX_EVENT_SIGNALED));
  zx_signals_t pending = 0;
  ASSERT_OK(event.wait_one(ZX_EVENT_SIGNALED, zx::deadline_after(zx::msec(10)), &pending));
  EXPECT_EQ(pending, ZX_EVENT_SIGNALED);
  ASSERT_OK(event.signal(ZX_EVENT_SIGNALED, 0));
  EXPECT_STATUS(event.wait_one(ZX_EVENT_SIGNALED, zx::time(0), &pending), ZX_ERR_TIMED_OUT);
}

TEST(Time, ArithmeticAndClock) {
  zx::time start = zx::clock::get_monotonic();
  ASSERT_OK(zx::nanosleep(zx::deadline_after(zx::msec(1))));
  zx::duration elapsed = zx::clock::get_monotonic() - start;
  EXPECT_GE(elapsed, zx::msec(1));
  EXPECT_EQ(zx::sec(2) / zx::msec(500), 4);
  EXPECT_EQ((zx::time::infinite() + zx::sec(1)).get(), ZX_TIME_INFINITE);
  EXPECT_EQ((zx::usec(3) * 1000).get(), zx::msec(3).get());
  EXPECT_TRUE(zx::time::infinite_past() < start);
}

// --- address spaces ------------------------------------------------------------------------------

TEST(Vmar, MapStoreLoadThroughTheRootVmar) {
  zx::vmo vmo;
  ASSERT_OK(zx::vmo::create(2 * kPage, 0, &vmo));
  zx_vaddr_t addr = 0;
  ASSERT_OK(zx::vmar::root_self()->map(ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 2 * kPage,
                                       &addr));
  ASSERT_OK(zxemu_write_mapped(addr + kPage, "cpp", 3, nullptr));
  char back[3] = {};
  ASSERT_OK(vmo.read(back, kPage, 3));
  EXPECT_EQ(memcmp(back, "cpp", 3), 0);
  EXPECT_EQ(VmoInfo(vmo).num_mappings, 1u);
  EXPECT_OK(zx::vmar::root_self()->protect(ZX_VM_PERM_READ, addr, kPage));
  zx_vaddr_t at = 0;
  EXPECT_STATUS(zxemu_write_mapped(addr, "x", 1, &at), ZX_ERR_ACCESS_DENIED);
  EXPECT_EQ(at, addr);
  EXPECT_OK(zx::vmar::root_self()->unmap(addr, 2 * kPage));
  EXPECT_EQ(VmoInfo(vmo).num_mappings, 0u);
}

TEST(Vmar, AllocateMapAndDestroyASubRegion) {
  zx::vmar sub;
  uintptr_t base = 0;
  ASSERT_OK(zx::vmar::root_self()->allocate(ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_SPECIFIC, 0,
                                            8 * kPage, &sub, &base));
  zx_info_vmar_t info = {};
  ASSERT_OK(sub.get_info(ZX_INFO_VMAR, &info, sizeof(info), nullptr, nullptr));
  EXPECT_EQ(info.base, base);
  EXPECT_EQ(info.len, 8 * kPage);
  zx::vmo vmo;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  zx_vaddr_t addr = 0;
  EXPECT_STATUS(sub.map(ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, vmo, 0, kPage, &addr),
                ZX_ERR_ACCESS_DENIED);
  ASSERT_OK(sub.map(ZX_VM_PERM_READ | ZX_VM_SPECIFIC, 2 * kPage, vmo, 0, kPage, &addr));
  EXPECT_EQ(addr, base + 2 * kPage);
  EXPECT_OK(sub.destroy());
  EXPECT_STATUS(sub.destroy(), ZX_ERR_BAD_STATE);
  char byte;
  EXPECT_STATUS(zxemu_read_mapped(addr, &byte, 1, nullptr), ZX_ERR_NOT_FOUND);
  EXPECT_EQ(VmoInfo(vmo).num_mappings, 0u);
}

TEST(Vmar, ReplaceAsExecutableAllowsExecuteMappings) {
  zx::vmo vmo;
  ASSERT_OK(zx::vmo::create(kPage, 0, &vmo));
  zx_vaddr_t addr = 0;
  EXPECT_STATUS(zx::vmar::root_self()->map(ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, vmo, 0, kPage,
                                           &addr),
                ZX_ERR_ACCESS_DENIED);
  zx::vmo exec;
  ASSERT_OK(vmo.replace_as_executable(zx::resource(), &exec));
  EXPECT_FALSE(vmo.is_valid());
  ASSERT_OK(zx::vmar::root_self()->map(ZX_VM_PERM_READ | ZX_VM_PERM_EXECUTE, 0, exec, 0, kPage,
                                       &addr));
  EXPECT_OK(zx::vmar::root_self()->unmap(addr, kPage));
}

// --- the framework itself ------------------------------------------------------------------------

void FailsFatally() { ASSERT_TRUE(false, "deliberate"); }

TEST(Zxtest, NoFatalFailureCatchesHelperFailure) {
  // Failures inside this test are deliberate; they are undone below so that the test passes
  // only if ASSERT_NO_FATAL_FAILURE saw the helper's fatal failure.
  int before = ::zxtest::internal::Failures();
  auto body = [] { ASSERT_NO_FATAL_FAILURE(FailsFatally()); ADD_FAILURE("not reached"); };
  body();
  int added = ::zxtest::internal::Failures() - before;
  {
    std::lock_guard<std::mutex> guard(::zxtest::internal::state().lock);
    ::zxtest::internal::state().failures = before;
    ::zxtest::internal::state().fatal_failures = 0;
  }
  EXPECT_EQ(added, 2, "the helper's failure and ASSERT_NO_FATAL_FAILURE's own");
}

TEST(Zxtest, FilterGlobs) {
  using ::zxtest::internal::FilterAccepts;
  EXPECT_TRUE(FilterAccepts("Vmo*", "VmoFixture.ReadBack"));
  EXPECT_FALSE(FilterAccepts("Vmo*-*.ReadBack", "VmoFixture.ReadBack"));
  EXPECT_TRUE(FilterAccepts("-Pin*", "Handle.Dup"));
  EXPECT_TRUE(FilterAccepts("A.?:Handle.*", "Handle.Dup"));
  EXPECT_FALSE(FilterAccepts("A.?", "A.BC"));
}

}  // namespace
