// zxemu: lib/zx/handle.h — zx::handle, an owning handle to an object of any type.
#ifndef ZXEMU_LIB_ZX_HANDLE_H_
#define ZXEMU_LIB_ZX_HANDLE_H_

#include <lib/zx/object.h>

namespace zx {

using handle = object<void>;
using unowned_handle = unowned<handle>;

}  // namespace zx

#endif  // ZXEMU_LIB_ZX_HANDLE_H_
