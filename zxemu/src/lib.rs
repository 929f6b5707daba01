//! The library half of the `zxemu` command: the `.zxs` scenario language and its runner
//! ([`scenario`]) and the performance figures ([`bench`](mod@bench)), built on [`zx_kernel`].
//!
//! ```
//! use zxemu::scenario::{parse, run_script};
//! let script = parse("t.zxs", "vmo_create 4K 0 -> a\nvmo_get_size a == 4K\n").unwrap();
//! assert!(run_script(&script).iter().all(|r| r.passed()));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bench;
pub mod reference;
pub mod scenario;
