// The C test program of zx-abi: the C entry points, driven through the hand-written headers.
// Built and run by abi/tests/c_programs.rs. Each CASE must appear in `cases` below (an unused
// case is a compile error under -Werror); the harness counts the CASEs in this file and checks
// the "N passed, M failed" line against that count.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zircon/errors.h>
#include <zircon/limits.h>
#include <zircon/process.h>
#include <zircon/rights.h>
#include <zircon/syscalls.h>
#include <zircon/syscalls/iommu.h>
#include <zircon/syscalls/object.h>
#include <zircon/syscalls/port.h>
#include <zircon/syscalls/resource.h>
#include <zircon/time.h>
#include <zircon/types.h>
#include <zxemu/zxemu.h>

static int g_case_failed;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
      g_case_failed = 1;                                               \
      return;                                                          \
    }                                                                  \
  } while (0)

#define CHECK_STATUS(expr, want)                                                   \
  do {                                                                             \
    zx_status_t got_ = (expr);                                                     \
    zx_status_t want_ = (want);                                                    \
    if (got_ != want_) {                                                           \
      printf("%s:%d: %s: got %s, want %s\n", __FILE__, __LINE__, #expr,            \
             zx_status_get_string(got_), zx_status_get_string(want_));             \
      g_case_failed = 1;                                                           \
      return;                                                                      \
    }                                                                              \
  } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, ZX_OK)

#define CASE(name) static void name(void)

static zx_koid_t koid_of(zx_handle_t h) {
  zx_info_handle_basic_t info;
  memset(&info, 0, sizeof(info));
  if (zx_object_get_info(h, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL) != ZX_OK) {
    return ZX_KOID_INVALID;
  }
  return info.koid;
}

static uint64_t committed(zx_handle_t vmo) {
  zx_info_vmo_t info;
  memset(&info, 0, sizeof(info));
  if (zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL) != ZX_OK) {
    return UINT64_MAX;
  }
  return info.committed_bytes;
}

// --- handles ---------------------------------------------------------------------------------

CASE(handle_close_invalid_is_ok) {
  CHECK_OK(zx_handle_close(ZX_HANDLE_INVALID));
  CHECK_STATUS(zx_handle_close(0x12345673u), ZX_ERR_BAD_HANDLE);
}

CASE(handle_values_have_fixed_bits) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(0, 0, &vmo));
  CHECK((vmo & ZX_HANDLE_FIXED_BITS_MASK) == ZX_HANDLE_FIXED_BITS_MASK);
  CHECK_OK(zx_handle_close(vmo));
  CHECK_STATUS(zx_handle_close(vmo), ZX_ERR_BAD_HANDLE);
}

CASE(duplicate_keeps_the_object) {
  zx_handle_t vmo, dup;
  CHECK_OK(zx_vmo_create(4096, 0, &vmo));
  CHECK_OK(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, &dup));
  CHECK(dup != vmo);
  CHECK(koid_of(dup) == koid_of(vmo));
  zx_info_handle_basic_t info;
  CHECK_OK(zx_object_get_info(dup, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL));
  CHECK(info.rights == ZX_DEFAULT_VMO_RIGHTS);
  CHECK(info.type == ZX_OBJ_TYPE_VMO);
  CHECK(info.props == ZX_OBJ_PROP_WAITABLE);
  zx_handle_t handles[2] = {vmo, dup};
  CHECK_OK(zx_handle_close_many(handles, 2));
}

CASE(duplicate_with_fewer_rights_denies) {
  zx_handle_t vmo, ro;
  CHECK_OK(zx_vmo_create(4096, 0, &vmo));
  CHECK_OK(zx_handle_duplicate(vmo, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE, &ro));
  char byte = 1;
  CHECK_STATUS(zx_vmo_write(ro, &byte, 0, 1), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmo_read(ro, &byte, 0, 1));
  zx_handle_t bigger;
  CHECK_STATUS(zx_handle_duplicate(ro, ZX_RIGHT_WRITE, &bigger), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(ro));
  CHECK_OK(zx_handle_close(vmo));
}

CASE(replace_consumes_the_handle) {
  zx_handle_t vmo, replaced;
  CHECK_OK(zx_vmo_create(4096, 0, &vmo));
  zx_koid_t koid = koid_of(vmo);
  CHECK_OK(_zx_handle_replace(vmo, ZX_RIGHT_READ, &replaced));
  CHECK_STATUS(zx_handle_close(vmo), ZX_ERR_BAD_HANDLE);
  CHECK(koid_of(replaced) == koid);
  CHECK_OK(zx_handle_close(replaced));
}

CASE(null_out_pointers_are_invalid_args) {
  zxemu_kmem_stats(NULL);  // tolerated: answers INVALID_ARGS
  zx_info_kmem_stats_t before, after;
  CHECK_OK(zxemu_kmem_stats(&before));
  CHECK_STATUS(zx_vmo_create(4096, 0, NULL), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_get_size(ZX_HANDLE_INVALID, NULL), ZX_ERR_BAD_HANDLE);
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(4096, 0, &vmo));
  CHECK_STATUS(zx_vmo_get_size(vmo, NULL), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4096, NULL),
               ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS, NULL), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_event_create(0, NULL), ZX_ERR_INVALID_ARGS);
  // A VMO made for a NULL out-pointer is closed again: it has no child left behind.
  zx_signals_t observed = 0;
  CHECK_OK(zx_object_wait_one(vmo, ZX_VMO_ZERO_CHILDREN, 0, &observed));
  CHECK(observed & ZX_VMO_ZERO_CHILDREN);
  CHECK_OK(zx_handle_close(vmo));
  CHECK_OK(zxemu_kmem_stats(&after));
  CHECK(after.vmo_bytes == before.vmo_bytes);
}

// --- VMOs ------------------------------------------------------------------------------------

CASE(vmo_write_then_read) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(3 * ZX_PAGE_SIZE, 0, &vmo));
  const char msg[] = "hello, zircon";
  CHECK_OK(zx_vmo_write(vmo, msg, ZX_PAGE_SIZE - 4, sizeof(msg)));
  char back[sizeof(msg)];
  CHECK_OK(_zx_vmo_read(vmo, back, ZX_PAGE_SIZE - 4, sizeof(back)));
  CHECK(memcmp(back, msg, sizeof(msg)) == 0);
  CHECK(committed(vmo) == 2 * ZX_PAGE_SIZE);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmo_read_past_end_is_out_of_range) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  char buf[2];
  CHECK_STATUS(zx_vmo_read(vmo, buf, ZX_PAGE_SIZE - 1, 2), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(zx_vmo_read(vmo, buf, ZX_PAGE_SIZE, 0));
  CHECK_STATUS(zx_vmo_read(vmo, buf, UINT64_MAX, 2), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmo_null_buffers) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  CHECK_OK(zx_vmo_write(vmo, NULL, 0, 0));
  CHECK_OK(zx_vmo_read(vmo, NULL, 0, 0));
  CHECK_STATUS(zx_vmo_write(vmo, NULL, 0, 8), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_read(vmo, NULL, 0, 8), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmo_sizes) {
  zx_handle_t fixed, resizable;
  CHECK_OK(zx_vmo_create(1, 0, &fixed));
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_size(fixed, &size));
  CHECK(size == ZX_PAGE_SIZE);
  CHECK_STATUS(zx_vmo_set_size(fixed, 2 * ZX_PAGE_SIZE), ZX_ERR_UNAVAILABLE);
  CHECK_OK(zx_vmo_create(0, ZX_VMO_RESIZABLE, &resizable));
  CHECK_OK(zx_vmo_set_size(resizable, 5000));
  CHECK_OK(zx_vmo_get_size(resizable, &size));
  CHECK(size == 2 * ZX_PAGE_SIZE);
  uint64_t content = 0;
  CHECK_OK(zx_object_get_property(resizable, ZX_PROP_VMO_CONTENT_SIZE, &content,
                                  sizeof(content)));
  CHECK(content == 5000);
  CHECK_STATUS(zx_vmo_create(0, 1u << 0, &fixed), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(fixed));
  CHECK_OK(zx_handle_close(resizable));
}

CASE(vmo_info_record) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(2 * ZX_PAGE_SIZE, ZX_VMO_RESIZABLE, &vmo));
  CHECK_OK(zx_vmo_write(vmo, "x", 0, 1));
  zx_info_vmo_t info;
  size_t actual = 99, avail = 99;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), &actual, &avail));
  CHECK(actual == 1 && avail == 1);
  CHECK(info.koid == koid_of(vmo));
  CHECK(info.size_bytes == 2 * ZX_PAGE_SIZE);
  CHECK(info.committed_bytes == ZX_PAGE_SIZE);
  CHECK(info.committed_private_bytes == ZX_PAGE_SIZE);
  CHECK(ZX_INFO_VMO_TYPE(info.flags) == ZX_INFO_VMO_TYPE_PAGED);
  CHECK(info.flags & ZX_INFO_VMO_RESIZABLE);
  CHECK(info.flags & ZX_INFO_VMO_VIA_HANDLE);
  CHECK(info.handle_rights & ZX_RIGHT_RESIZE);
  CHECK(info.parent_koid == ZX_KOID_INVALID);
  CHECK(info.cache_policy == ZX_CACHE_POLICY_CACHED);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmo_info_versions_and_small_buffers) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  zx_info_vmo_v1_t v1;
  size_t actual = 99, avail = 99;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO_V1, &v1, sizeof(v1), &actual, &avail));
  CHECK(actual == 1 && avail == 1);
  CHECK(v1.size_bytes == ZX_PAGE_SIZE);
  zx_info_vmo_t full;
  CHECK_STATUS(zx_object_get_info(vmo, ZX_INFO_VMO, &full, sizeof(v1), &actual, &avail),
               ZX_ERR_BUFFER_TOO_SMALL);
  CHECK(actual == 0 && avail == 1);
  CHECK_STATUS(zx_object_get_info(vmo, ZX_INFO_VMO, NULL, 0, NULL, &avail),
               ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(zx_object_get_info(vmo, ZX_INFO_VMO, NULL, sizeof(full), NULL, NULL),
               ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_object_get_info(vmo, ZX_INFO_BTI, &full, sizeof(full), NULL, NULL),
               ZX_ERR_WRONG_TYPE);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmo_name_property) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  CHECK_OK(zx_object_set_property(vmo, ZX_PROP_NAME, "c-test", 6));
  char name[ZX_MAX_NAME_LEN];
  CHECK_OK(zx_object_get_property(vmo, ZX_PROP_NAME, name, sizeof(name)));
  CHECK(strcmp(name, "c-test") == 0);
  CHECK_STATUS(zx_object_get_property(vmo, ZX_PROP_NAME, name, 8), ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_OK(zx_handle_close(vmo));
}

// --- children --------------------------------------------------------------------------------

CASE(snapshot_is_isolated) {
  zx_handle_t parent, child;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &parent));
  CHECK_OK(zx_vmo_write(parent, "A", 0, 1));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, ZX_PAGE_SIZE, &child));
  CHECK_OK(zx_vmo_write(parent, "B", 0, 1));
  char c = 0;
  CHECK_OK(zx_vmo_read(child, &c, 0, 1));
  CHECK(c == 'A');
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(child, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL));
  CHECK(info.parent_koid == koid_of(parent));
  CHECK(info.flags & ZX_INFO_VMO_IS_COW_CLONE);
  CHECK_OK(zx_handle_close(child));
  CHECK_OK(zx_handle_close(parent));
}

CASE(slice_shares_pages) {
  zx_handle_t parent, slice;
  CHECK_OK(zx_vmo_create(4 * ZX_PAGE_SIZE, 0, &parent));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, ZX_PAGE_SIZE, ZX_PAGE_SIZE, &slice));
  CHECK_OK(zx_vmo_write(slice, "S", 0, 1));
  char c = 0;
  CHECK_OK(zx_vmo_read(parent, &c, ZX_PAGE_SIZE, 1));
  CHECK(c == 'S');
  CHECK(committed(slice) == 0);
  CHECK(committed(parent) == ZX_PAGE_SIZE);
  CHECK_STATUS(zx_vmo_create_child(parent, ZX_VMO_CHILD_SLICE, 1, ZX_PAGE_SIZE, &slice),
               ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(slice));
  CHECK_OK(zx_handle_close(parent));
}

CASE(zero_children_signal) {
  zx_handle_t parent, child;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &parent));
  CHECK_OK(zx_vmo_create_child(parent, ZX_VMO_CHILD_REFERENCE, 0, 0, &child));
  zx_signals_t observed = 0;
  CHECK_STATUS(zx_object_wait_one(parent, ZX_VMO_ZERO_CHILDREN, zx_deadline_after(ZX_MSEC(1)),
                                  &observed),
               ZX_ERR_TIMED_OUT);
  CHECK_OK(zx_handle_close(child));
  CHECK_OK(zx_object_wait_one(parent, ZX_VMO_ZERO_CHILDREN, ZX_TIME_INFINITE, &observed));
  CHECK(observed & ZX_VMO_ZERO_CHILDREN);
  CHECK_OK(zx_handle_close(parent));
}

// --- transfer_data, op_range -----------------------------------------------------------------

CASE(transfer_data_moves_pages) {
  zx_handle_t src, dst;
  CHECK_OK(zx_vmo_create(2 * ZX_PAGE_SIZE, 0, &src));
  CHECK_OK(zx_vmo_create(2 * ZX_PAGE_SIZE, 0, &dst));
  CHECK_OK(zx_vmo_write(src, "moved", 0, 5));
  CHECK_OK(zx_vmo_transfer_data(dst, 0, ZX_PAGE_SIZE, ZX_PAGE_SIZE, src, 0));
  char buf[5];
  CHECK_OK(zx_vmo_read(dst, buf, ZX_PAGE_SIZE, 5));
  CHECK(memcmp(buf, "moved", 5) == 0);
  CHECK_OK(zx_vmo_read(src, buf, 0, 5));
  CHECK(buf[0] == 0);
  CHECK(committed(src) == 0);
  CHECK(committed(dst) == ZX_PAGE_SIZE);
  CHECK_STATUS(zx_vmo_transfer_data(dst, 0, 1, ZX_PAGE_SIZE, src, 0), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_transfer_data(dst, 1, 0, ZX_PAGE_SIZE, src, 0), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_transfer_data(dst, 0, 0, 4 * ZX_PAGE_SIZE, src, 0), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(zx_handle_close(src));
  CHECK_OK(zx_handle_close(dst));
}

CASE(op_range_commit_decommit_zero) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(4 * ZX_PAGE_SIZE, 0, &vmo));
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4 * ZX_PAGE_SIZE, NULL, 0));
  CHECK(committed(vmo) == 4 * ZX_PAGE_SIZE);
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, 2 * ZX_PAGE_SIZE, NULL, 0));
  CHECK(committed(vmo) == 2 * ZX_PAGE_SIZE);
  CHECK_OK(zx_vmo_write(vmo, "zz", 3 * ZX_PAGE_SIZE, 2));
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_ZERO, 3 * ZX_PAGE_SIZE, 1, NULL, 0));
  char buf[2];
  CHECK_OK(zx_vmo_read(vmo, buf, 3 * ZX_PAGE_SIZE, 2));
  CHECK(buf[0] == 0 && buf[1] == 'z');
  CHECK_STATUS(zx_vmo_op_range(vmo, 5, 0, ZX_PAGE_SIZE, NULL, 0), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_op_range(vmo, ZX_VMO_OP_CACHE_INVALIDATE, 0, ZX_PAGE_SIZE, NULL, 0),
               ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(discardable_lock_state) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, ZX_VMO_DISCARDABLE, &vmo));
  zx_vmo_lock_state_t state;
  CHECK_STATUS(zx_vmo_op_range(vmo, ZX_VMO_OP_LOCK, 0, ZX_PAGE_SIZE, &state, 8),
               ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_LOCK, 0, ZX_PAGE_SIZE, &state, sizeof(state)));
  CHECK(state.offset == 0 && state.size == ZX_PAGE_SIZE);
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_UNLOCK, 0, ZX_PAGE_SIZE, NULL, 0));
  CHECK_OK(zx_vmo_write(vmo, "d", 0, 1));
  CHECK(zxemu_reclaim_discardable() == 1);
  CHECK_STATUS(zx_vmo_op_range(vmo, ZX_VMO_OP_TRY_LOCK, 0, ZX_PAGE_SIZE, NULL, 0),
               ZX_ERR_UNAVAILABLE);
  CHECK_OK(zx_handle_close(vmo));
}

// --- pinning ---------------------------------------------------------------------------------

static zx_status_t make_bti(zx_handle_t* iommu, zx_handle_t* bti) {
  zx_handle_t root;
  zx_status_t s = zxemu_root_resource(&root);
  if (s != ZX_OK) return s;
  zx_iommu_desc_dummy_t desc = {0};
  s = zx_iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &desc, sizeof(desc), iommu);
  zx_handle_close(root);
  if (s != ZX_OK) return s;
  return zx_bti_create(*iommu, 0, 7, bti);
}

CASE(pin_and_unpin) {
  zx_handle_t iommu, bti, vmo, pmt;
  CHECK_OK(make_bti(&iommu, &bti));
  CHECK_OK(zx_vmo_create(2 * ZX_PAGE_SIZE, 0, &vmo));
  zx_paddr_t addrs[2] = {0, 0};
  CHECK_OK(zx_bti_pin(bti, ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE, vmo, 0, 2 * ZX_PAGE_SIZE, addrs,
                      2, &pmt));
  CHECK(addrs[0] != 0 && addrs[1] != 0 && addrs[0] != addrs[1]);
  CHECK(addrs[0] % ZX_PAGE_SIZE == 0);
  CHECK(committed(vmo) == 2 * ZX_PAGE_SIZE);
  CHECK_STATUS(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, ZX_PAGE_SIZE, NULL, 0),
               ZX_ERR_BAD_STATE);
  zx_info_bti_t info;
  CHECK_OK(zx_object_get_info(bti, ZX_INFO_BTI, &info, sizeof(info), NULL, NULL));
  CHECK(info.pmo_count == 1);
  CHECK(info.minimum_contiguity == ZX_PAGE_SIZE);
  CHECK_OK(zx_pmt_unpin(pmt));
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, ZX_PAGE_SIZE, NULL, 0));
  CHECK_STATUS(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 0, ZX_PAGE_SIZE, addrs, 0, &pmt),
               ZX_ERR_INVALID_ARGS);
  zx_handle_t handles[3] = {vmo, bti, iommu};
  CHECK_OK(zx_handle_close_many(handles, 3));
}

CASE(pin_with_null_pmt_is_undone) {
  zx_handle_t iommu, bti, vmo;
  CHECK_OK(make_bti(&iommu, &bti));
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  zx_paddr_t addr = 0;
  CHECK_STATUS(zx_bti_pin(bti, ZX_BTI_PERM_READ, vmo, 0, ZX_PAGE_SIZE, &addr, 1, NULL),
               ZX_ERR_INVALID_ARGS);
  zx_info_bti_t info;
  CHECK_OK(zx_object_get_info(bti, ZX_INFO_BTI, &info, sizeof(info), NULL, NULL));
  CHECK(info.pmo_count == 0 && info.quarantine_count == 0);
  CHECK_OK(zx_vmo_op_range(vmo, ZX_VMO_OP_DECOMMIT, 0, ZX_PAGE_SIZE, NULL, 0));
  zx_handle_t handles[3] = {vmo, bti, iommu};
  CHECK_OK(zx_handle_close_many(handles, 3));
}

CASE(contiguous_vmo) {
  zx_handle_t iommu, bti, vmo;
  CHECK_OK(make_bti(&iommu, &bti));
  CHECK_OK(zx_vmo_create_contiguous(bti, 4 * ZX_PAGE_SIZE, 0, &vmo));
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL));
  CHECK(info.flags & ZX_INFO_VMO_CONTIGUOUS);
  CHECK(info.committed_bytes == 4 * ZX_PAGE_SIZE);
  CHECK_STATUS(zx_vmo_create_contiguous(bti, 0, 0, &vmo), ZX_ERR_INVALID_ARGS);
  zx_handle_t handles[3] = {vmo, bti, iommu};
  CHECK_OK(zx_handle_close_many(handles, 3));
}

// --- pagers, ports, events, time -------------------------------------------------------------

CASE(pagers_supply_pages_and_report_requests) {
  zx_handle_t pager = ZX_HANDLE_INVALID, port = ZX_HANDLE_INVALID, vmo = ZX_HANDLE_INVALID;
  CHECK_STATUS(zx_pager_create(1, &pager), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_STATUS(zx_pager_create_vmo(pager, ZX_VMO_DISCARDABLE, port, 7, ZX_PAGE_SIZE, &vmo),
               ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_create_vmo(pager, 0, port, 7, 2 * ZX_PAGE_SIZE, &vmo));
  zx_handle_t aux = ZX_HANDLE_INVALID;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &aux));
  CHECK_OK(zx_vmo_write(aux, "paged", 0, 5));
  CHECK_STATUS(zx_pager_supply_pages(pager, vmo, 1, ZX_PAGE_SIZE, aux, 0), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_supply_pages(pager, vmo, 0, ZX_PAGE_SIZE, aux, 0));
  char seen[5] = {0};
  CHECK_OK(zx_vmo_read(vmo, seen, 0, 5));
  CHECK(memcmp(seen, "paged", 5) == 0);
  // FAIL takes a sign-extended status; a zero-extended one is refused.
  CHECK_STATUS(zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, ZX_PAGE_SIZE,
                                 (uint64_t)(uint32_t)ZX_ERR_IO),
               ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, ZX_PAGE_SIZE,
                             (uint64_t)(int64_t)ZX_ERR_IO));
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL));
  CHECK(info.flags & ZX_INFO_VMO_PAGER_BACKED);
  CHECK_OK(zx_pager_detach_vmo(pager, vmo));
  zx_port_packet_t packet;
  CHECK_OK(zx_port_wait(port, 0, &packet));
  CHECK(packet.key == 7 && packet.type == ZX_PKT_TYPE_PAGE_REQUEST);
  CHECK(packet.page_request.command == ZX_PAGER_VMO_COMPLETE);
  CHECK_STATUS(zx_vmo_read(vmo, seen, ZX_PAGE_SIZE, 5), ZX_ERR_BAD_STATE);
  zx_handle_t handles[4] = {vmo, aux, port, pager};
  CHECK_OK(zx_handle_close_many(handles, 4));
}

CASE(pager_queries_dirty_ranges_stats_and_stream_size) {
  const uint64_t P = ZX_PAGE_SIZE;
  zx_handle_t pager = ZX_HANDLE_INVALID, port = ZX_HANDLE_INVALID, vmo = ZX_HANDLE_INVALID;
  zx_handle_t aux = ZX_HANDLE_INVALID;
  CHECK_OK(zx_pager_create(0, &pager));
  CHECK_OK(zx_port_create(0, &port));
  CHECK_OK(zx_pager_create_vmo(pager, ZX_VMO_TRAP_DIRTY, port, 9, 3 * P, &vmo));
  CHECK_OK(zx_vmo_create(3 * P, 0, &aux));
  CHECK_OK(zx_pager_supply_pages(pager, vmo, 0, 3 * P, aux, 0));

  // Nothing is modified or dirty yet; the stats need 4 bytes and know one option.
  zx_pager_vmo_stats_t stats = {7};
  CHECK_OK(zx_pager_query_vmo_stats(pager, vmo, 0, &stats, sizeof(stats)));
  CHECK(stats.modified == 0);
  CHECK_STATUS(zx_pager_query_vmo_stats(pager, vmo, 0, &stats, 3), ZX_ERR_BUFFER_TOO_SMALL);
  CHECK_STATUS(zx_pager_query_vmo_stats(pager, vmo, 2, &stats, sizeof(stats)),
               ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_pager_query_vmo_stats(pager, vmo, 0, NULL, sizeof(stats)),
               ZX_ERR_INVALID_ARGS);

  // Pages 0 and 2 made Dirty by the pager (TRAP_DIRTY: a write of page 0 then needs no
  // request, and sets the modified flag).
  CHECK_OK(zx_pager_op_range(pager, ZX_PAGER_OP_DIRTY, vmo, 0, P, 0));
  CHECK_OK(zx_pager_op_range(pager, ZX_PAGER_OP_DIRTY, vmo, 2 * P, P, 0));
  CHECK_OK(zx_vmo_write(vmo, "dirty", 0, 5));

  zx_vmo_dirty_range_t ranges[4];
  memset(ranges, 0xff, sizeof(ranges));
  size_t actual = 99, avail = 99;
  // Room for one record: one written, two available.
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, ranges, sizeof(ranges[0]) + 8,
                                       &actual, &avail));
  CHECK(actual == 1 && avail == 2);
  CHECK(ranges[0].offset == 0 && ranges[0].length == P && ranges[0].options == 0);
  CHECK(ranges[1].offset == UINT64_MAX);  // untouched past what fits
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, ranges, sizeof(ranges), &actual,
                                       &avail));
  CHECK(actual == 2 && avail == 2);
  CHECK(ranges[1].offset == 2 * P && ranges[1].length == P && ranges[1].options == 0);
  // No buffer: only the count; NULL counts are allowed; NULL with a size is not.
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, NULL, 0, &actual, &avail));
  CHECK(actual == 0 && avail == 2);
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, ranges, sizeof(ranges), NULL, NULL));
  CHECK_STATUS(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, NULL, sizeof(ranges), &actual,
                                           &avail),
               ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_pager_query_dirty_ranges(pager, vmo, P, 3 * P, ranges, sizeof(ranges), &actual,
                                           &avail),
               ZX_ERR_OUT_OF_RANGE);

  // The write set the modified flag; RESET clears it after reporting it.
  CHECK_OK(zx_pager_query_vmo_stats(pager, vmo, ZX_PAGER_RESET_VMO_STATS, &stats, sizeof(stats)));
  CHECK(stats.modified == ZX_PAGER_VMO_STATS_MODIFIED);
  CHECK_OK(zx_pager_query_vmo_stats(pager, vmo, 0, &stats, sizeof(stats)));
  CHECK(stats.modified == 0);

  // Writing page 0 back leaves page 2 dirty.
  CHECK_OK(zx_pager_op_range(pager, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, P, 0));
  char seen[5] = {0};
  CHECK_OK(zx_vmo_read(vmo, seen, 0, 5));
  CHECK(memcmp(seen, "dirty", 5) == 0);
  CHECK_OK(zx_pager_op_range(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, P, 0));
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, ranges, sizeof(ranges), &actual,
                                       &avail));
  CHECK(actual == 1 && avail == 1 && ranges[0].offset == 2 * P);

  // The stream size starts as the size; cutting it to 2 pages drops page 2 (untracked from
  // there, never reported) and sets the modified flag.
  uint64_t size = 0;
  CHECK_OK(zx_vmo_get_stream_size(vmo, &size));
  CHECK(size == 3 * P);
  CHECK_STATUS(zx_vmo_get_stream_size(vmo, NULL), ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmo_set_stream_size(vmo, 4 * P), ZX_ERR_OUT_OF_RANGE);
  CHECK_OK(zx_vmo_set_stream_size(vmo, 2 * P));
  CHECK_OK(zx_vmo_get_stream_size(vmo, &size));
  CHECK(size == 2 * P);
  CHECK_OK(zx_pager_query_dirty_ranges(pager, vmo, 0, 3 * P, NULL, 0, &actual, &avail));
  CHECK(avail == 0);
  CHECK_OK(zx_pager_query_vmo_stats(pager, vmo, 0, &stats, sizeof(stats)));
  CHECK(stats.modified == ZX_PAGER_VMO_STATS_MODIFIED);

  // An anonymous VMO's stream size is its content size.
  zx_handle_t plain = ZX_HANDLE_INVALID;
  CHECK_OK(zx_vmo_create(100, 0, &plain));
  CHECK_OK(zx_vmo_get_stream_size(plain, &size));
  CHECK(size == 100);
  CHECK_OK(zx_vmo_set_stream_size(plain, 10));
  CHECK_OK(zx_object_get_property(plain, ZX_PROP_VMO_CONTENT_SIZE, &size, sizeof(size)));
  CHECK(size == 10);
  // Queries need the pager's own VMO.
  CHECK_STATUS(zx_pager_query_dirty_ranges(pager, plain, 0, P, NULL, 0, &actual, &avail),
               ZX_ERR_INVALID_ARGS);

  zx_handle_t handles[5] = {plain, vmo, aux, port, pager};
  CHECK_OK(zx_handle_close_many(handles, 5));
}

CASE(ports_queue_and_wait_in_order) {
  zx_handle_t port = ZX_HANDLE_INVALID;
  CHECK_STATUS(zx_port_create(2, &port), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_port_create(0, &port));
  zx_info_handle_basic_t info;
  CHECK_OK(zx_object_get_info(port, ZX_INFO_HANDLE_BASIC, &info, sizeof(info), NULL, NULL));
  CHECK(info.type == ZX_OBJ_TYPE_PORT && info.rights == ZX_DEFAULT_PORT_RIGHTS);
  zx_port_packet_t packet = {0};
  CHECK_STATUS(zx_port_wait(port, 0, &packet), ZX_ERR_TIMED_OUT);
  CHECK_STATUS(zx_port_queue(port, NULL), ZX_ERR_INVALID_ARGS);
  for (uint64_t key = 1; key <= 3; key++) {
    packet.key = key;
    packet.type = 77;
    CHECK_OK(zx_port_queue(port, &packet));
  }
  for (uint64_t key = 1; key <= 3; key++) {
    CHECK_OK(zx_port_wait(port, ZX_TIME_INFINITE, &packet));
    CHECK(packet.key == key && packet.type == ZX_PKT_TYPE_USER);
  }
  CHECK_OK(zx_handle_close(port));
}

CASE(event_signals) {
  zx_handle_t event;
  CHECK_OK(zx_event_create(0, &event));
  CHECK_OK(zx_object_signal(event, 0, ZX_USER_SIGNAL_1 | ZX_EVENT_SIGNALED));
  zx_signals_t observed = 0;
  CHECK_OK(zx_object_wait_one(event, ZX_USER_SIGNAL_1, 0, &observed));
  CHECK(observed == (ZX_USER_SIGNAL_1 | ZX_EVENT_SIGNALED));
  CHECK_OK(zx_object_wait_one(event, ZX_EVENT_SIGNALED, ZX_TIME_INFINITE_PAST, NULL));
  CHECK_STATUS(zx_object_signal(event, 0, ZX_OBJECT_SIGNAL_0), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_handle_close(event));
}

CASE(clock_and_sleep) {
  zx_time_t t0 = zx_clock_get_monotonic();
  CHECK(t0 >= 0);
  zx_time_t deadline = zx_deadline_after(ZX_MSEC(2));
  CHECK(deadline >= t0 + ZX_MSEC(2));
  CHECK_OK(zx_nanosleep(deadline));
  CHECK(zx_clock_get_monotonic() >= deadline);
  CHECK(zx_deadline_after(ZX_TIME_INFINITE) == ZX_TIME_INFINITE);
  CHECK(zx_system_get_page_size() == ZX_PAGE_SIZE);
}

CASE(time_arithmetic_saturates) {
  CHECK(zx_time_add_duration(ZX_TIME_INFINITE - 1, ZX_SEC(1)) == ZX_TIME_INFINITE);
  CHECK(zx_time_sub_duration(ZX_TIME_INFINITE_PAST + 1, ZX_SEC(1)) == ZX_TIME_INFINITE_PAST);
  CHECK(zx_time_sub_time(ZX_TIME_INFINITE, -5) == ZX_TIME_INFINITE);
  CHECK(zx_duration_mul_int64(ZX_HOUR(1), INT64_MAX) == ZX_TIME_INFINITE);
  CHECK(zx_duration_mul_int64(ZX_HOUR(1), -INT64_MAX) == ZX_TIME_INFINITE_PAST);
  CHECK(zx_time_add_duration(10, 5) == 15);
  CHECK(zx_duration_from_msec(3) == ZX_MSEC(3));
}

// --- processes and the library itself --------------------------------------------------------

struct thread_args {
  zxemu_process_t process;
  zx_handle_t foreign;
  zx_status_t close_foreign;
  zx_status_t set;
};

static void* in_other_process(void* raw) {
  struct thread_args* args = (struct thread_args*)raw;
  args->set = zxemu_thread_set_process(args->process);
  args->close_foreign = zx_handle_close(args->foreign);
  return NULL;
}

CASE(processes_have_their_own_handles) {
  zxemu_process_t main_process = zxemu_process_current();
  CHECK(main_process != 0);
  zxemu_process_t other;
  CHECK_OK(zxemu_process_create(&other));
  CHECK(other != main_process);
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  struct thread_args args = {other, vmo, ZX_OK, ZX_OK};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, in_other_process, &args) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK_OK(args.set);
  CHECK_STATUS(args.close_foreign, ZX_ERR_BAD_HANDLE);
  CHECK(zxemu_process_current() == main_process);
  CHECK_STATUS(zxemu_process_set_current(0xfffffff0u), ZX_ERR_NOT_FOUND);
  zx_handle_t self_handle = zx_process_self();
  CHECK(self_handle != ZX_HANDLE_INVALID && zx_process_self() == self_handle);
  zx_info_handle_basic_t self_info;
  CHECK_OK(zx_object_get_info(self_handle, ZX_INFO_HANDLE_BASIC, &self_info, sizeof(self_info),
                              NULL, NULL));
  CHECK(self_info.type == ZX_OBJ_TYPE_PROCESS && self_info.rights == ZX_DEFAULT_PROCESS_RIGHTS);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(threads_share_the_default_process) {
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  struct thread_args args = {0, vmo, ZX_ERR_INTERNAL, ZX_ERR_INTERNAL};
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, in_other_process, &args) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK_OK(args.set);  // 0 = no override
  CHECK_OK(args.close_foreign);
  CHECK_STATUS(zx_handle_close(vmo), ZX_ERR_BAD_HANDLE);
}

CASE(invariants_and_kmem_stats) {
  char message[128] = "untouched";
  size_t actual = 99;
  CHECK_OK(zxemu_check_invariants(message, sizeof(message), &actual));
  CHECK(actual == 0 && message[0] == 0);
  CHECK_OK(zxemu_check_invariants(NULL, 0, NULL));
  zx_info_kmem_stats_t stats;
  CHECK_OK(zxemu_kmem_stats(&stats));
  CHECK(stats.total_bytes > 0);
  CHECK(stats.free_bytes + stats.vmo_bytes == stats.total_bytes);
  zx_handle_t root;
  CHECK_OK(zxemu_root_resource(&root));
  zx_info_kmem_stats_t via_info;
  CHECK_OK(zx_object_get_info(root, ZX_INFO_KMEM_STATS, &via_info, sizeof(via_info), NULL, NULL));
  CHECK(via_info.total_bytes == stats.total_bytes);
  CHECK_OK(zx_handle_close(root));
}

CASE(panics_answer_internal) {
  zx_handle_t vmo = ZX_HANDLE_INVALID;
  zxemu_inject_panic();
  CHECK_STATUS(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo), ZX_ERR_INTERNAL);
  CHECK(vmo == ZX_HANDLE_INVALID);
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));  // the library works on
  CHECK_OK(zx_handle_close(vmo));
}

CASE(status_strings) {
  CHECK(strcmp(zx_status_get_string(ZX_OK), "ZX_OK") == 0);
  CHECK(strcmp(zx_status_get_string(ZX_ERR_ACCESS_DENIED), "ZX_ERR_ACCESS_DENIED") == 0);
  CHECK(strcmp(zx_status_get_string(12345), "(UNKNOWN)") == 0);
}

CASE(vmar_map_store_and_read_back) {
  zx_handle_t root = zx_vmar_root_self();
  CHECK(root != ZX_HANDLE_INVALID);
  CHECK(zx_vmar_root_self() == root);
  zx_info_vmar_t info;
  CHECK_OK(zx_object_get_info(root, ZX_INFO_VMAR, &info, sizeof(info), NULL, NULL));
  CHECK(info.base == 0x200000 && info.len == 0x7FFFFFDFF000ull);
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(2 * ZX_PAGE_SIZE, 0, &vmo));
  zx_vaddr_t addr = 0;
  CHECK_OK(zx_vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 2 * ZX_PAGE_SIZE,
                       &addr));
  CHECK_OK(zxemu_write_mapped(addr + 10, "mapped", 6, NULL));
  char back[6];
  CHECK_OK(zx_vmo_read(vmo, back, 10, 6));
  CHECK(memcmp(back, "mapped", 6) == 0);
  zx_info_vmo_t vinfo;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &vinfo, sizeof(vinfo), NULL, NULL));
  CHECK(vinfo.num_mappings == 1 && vinfo.share_count == 1);
  // A fault reports the first address not transferred.
  zx_vaddr_t at = 0;
  CHECK_STATUS(zxemu_write_mapped(addr + 2 * ZX_PAGE_SIZE - 1, "ab", 2, &at), ZX_ERR_NOT_FOUND);
  CHECK(at == addr + 2 * ZX_PAGE_SIZE);
  CHECK_OK(zx_vmar_protect(root, ZX_VM_PERM_READ, addr, ZX_PAGE_SIZE));
  CHECK_STATUS(zxemu_write_mapped(addr, "x", 1, &at), ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmar_unmap(root, addr, 2 * ZX_PAGE_SIZE));
  CHECK_STATUS(zxemu_read_mapped(addr, back, 1, NULL), ZX_ERR_NOT_FOUND);
  CHECK_OK(zx_handle_close(vmo));
}

CASE(vmar_allocate_destroy_and_checks) {
  zx_handle_t root = zx_vmar_root_self();
  zx_handle_t sub = ZX_HANDLE_INVALID;
  zx_vaddr_t base = 0;
  CHECK_STATUS(zx_vmar_allocate(root, ZX_VM_PERM_READ, 0, ZX_PAGE_SIZE, &sub, &base),
               ZX_ERR_INVALID_ARGS);
  CHECK_STATUS(zx_vmar_allocate(root, 0, 0, ZX_PAGE_SIZE, NULL, &base), ZX_ERR_INVALID_ARGS);
  CHECK_OK(zx_vmar_allocate(root, ZX_VM_CAN_MAP_READ, 0, 4 * ZX_PAGE_SIZE, &sub, &base));
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  zx_vaddr_t addr = 0;
  CHECK_STATUS(zx_vmar_map(sub, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, ZX_PAGE_SIZE,
                           &addr),
               ZX_ERR_ACCESS_DENIED);
  CHECK_OK(zx_vmar_map(sub, ZX_VM_PERM_READ, 0, vmo, 0, ZX_PAGE_SIZE, &addr));
  CHECK(addr == base);
  CHECK_OK(zx_vmar_op_range(sub, ZX_VMAR_OP_DONT_NEED, addr, ZX_PAGE_SIZE, NULL, 0));
  CHECK_STATUS(zx_vmar_destroy(root), ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_vmar_destroy(sub));
  CHECK_STATUS(zx_vmar_destroy(sub), ZX_ERR_BAD_STATE);
  zx_handle_t exec;
  CHECK_OK(zx_vmo_replace_as_executable(vmo, ZX_HANDLE_INVALID, &exec));
  size_t actual = 0;
  char buf[4];
  CHECK_STATUS(zx_process_read_memory(zx_process_self(), addr, buf, 4, &actual),
               ZX_ERR_NOT_FOUND);
  CHECK_OK(zx_handle_close(exec));
  CHECK_OK(zx_handle_close(sub));
}

CASE(process_create_gives_a_second_address_space) {
  zx_handle_t process = ZX_HANDLE_INVALID, vmar = ZX_HANDLE_INVALID;
  CHECK_STATUS(zx_process_create(zx_job_default(), "p", 1, ZX_PROCESS_SHARED, &process, &vmar),
               ZX_ERR_NOT_SUPPORTED);
  CHECK_OK(zx_process_create(zx_job_default(), "p", 1, 0, &process, &vmar));
  zx_handle_t vmo;
  CHECK_OK(zx_vmo_create(ZX_PAGE_SIZE, 0, &vmo));
  CHECK_OK(zx_vmo_write(vmo, "shared", 0, 6));
  zx_vaddr_t mine = 0, theirs = 0;
  CHECK_OK(zx_vmar_map(zx_vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, ZX_PAGE_SIZE, &mine));
  CHECK_OK(zx_vmar_map(vmar, ZX_VM_PERM_READ, 0, vmo, 0, ZX_PAGE_SIZE, &theirs));
  zx_info_vmo_t info;
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL));
  CHECK(info.num_mappings == 2 && info.share_count == 2);
  char buf[6];
  size_t actual = 0;
  CHECK_OK(zx_process_read_memory(process, theirs, buf, sizeof(buf), &actual));
  CHECK(actual == 6 && memcmp(buf, "shared", 6) == 0);
  CHECK_OK(zx_handle_close(process));  // the process ends: its mapping goes
  CHECK_OK(zx_object_get_info(vmo, ZX_INFO_VMO, &info, sizeof(info), NULL, NULL));
  CHECK(info.num_mappings == 1);
  CHECK_OK(zx_vmar_unmap(zx_vmar_root_self(), mine, ZX_PAGE_SIZE));
  CHECK_OK(zx_handle_close(vmar));
  CHECK_OK(zx_handle_close(vmo));
}

struct test_case {
  const char* name;
  void (*run)(void);
};

#define ENTRY(name) {#name, name}

static const struct test_case cases[] = {
    ENTRY(handle_close_invalid_is_ok),
    ENTRY(handle_values_have_fixed_bits),
    ENTRY(duplicate_keeps_the_object),
    ENTRY(duplicate_with_fewer_rights_denies),
    ENTRY(replace_consumes_the_handle),
    ENTRY(null_out_pointers_are_invalid_args),
    ENTRY(vmo_write_then_read),
    ENTRY(vmo_read_past_end_is_out_of_range),
    ENTRY(vmo_null_buffers),
    ENTRY(vmo_sizes),
    ENTRY(vmo_info_record),
    ENTRY(vmo_info_versions_and_small_buffers),
    ENTRY(vmo_name_property),
    ENTRY(snapshot_is_isolated),
    ENTRY(slice_shares_pages),
    ENTRY(zero_children_signal),
    ENTRY(transfer_data_moves_pages),
    ENTRY(op_range_commit_decommit_zero),
    ENTRY(discardable_lock_state),
    ENTRY(pin_and_unpin),
    ENTRY(pin_with_null_pmt_is_undone),
    ENTRY(contiguous_vmo),
    ENTRY(pagers_supply_pages_and_report_requests),
    ENTRY(pager_queries_dirty_ranges_stats_and_stream_size),
    ENTRY(ports_queue_and_wait_in_order),
    ENTRY(event_signals),
    ENTRY(clock_and_sleep),
    ENTRY(time_arithmetic_saturates),
    ENTRY(processes_have_their_own_handles),
    ENTRY(threads_share_the_default_process),
    ENTRY(invariants_and_kmem_stats),
    ENTRY(panics_answer_internal),
    ENTRY(status_strings),
    ENTRY(vmar_map_store_and_read_back),
    ENTRY(vmar_allocate_destroy_and_checks),
    ENTRY(process_create_gives_a_second_address_space),
};

int main(void) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    g_case_failed = 0;
    cases[i].run();
    printf("%s %s\n", g_case_failed ? "FAIL" : "ok  ", cases[i].name);
    if (g_case_failed) failed++; else passed++;
  }
  // Every case closed what it made: nothing may be left in the kernel.
  zx_info_kmem_stats_t stats;
  char message[256];
  if (zxemu_kmem_stats(&stats) != ZX_OK || stats.vmo_bytes != 0 ||
      zxemu_check_invariants(message, sizeof(message), NULL) != ZX_OK) {
    printf("FAIL leak or invariant: vmo_bytes %llu\n", (unsigned long long)stats.vmo_bytes);
    failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
