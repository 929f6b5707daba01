//! Property: no sequence of duplicate/replace ever grants a right the original handle lacked.

use proptest::prelude::*;
use zx_handles::{HandleTable, Rights};

#[derive(Clone, Debug)]
enum Op {
    Duplicate { pick: usize, request: u32 },
    Replace { pick: usize, request: u32 },
    Close { pick: usize },
}

fn request() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(Rights::SAME_RIGHTS_REQUEST),
        any::<u32>(),
        (0u32..32).prop_map(|bit| 1 << bit),
        any::<u16>().prop_map(u32::from),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), request()).prop_map(|(pick, request)| Op::Duplicate { pick, request }),
        (any::<usize>(), request()).prop_map(|(pick, request)| Op::Replace { pick, request }),
        any::<usize>().prop_map(|pick| Op::Close { pick }),
    ]
}

proptest! {
    #[test]
    fn rights_never_grow(original in any::<u32>(), ops in proptest::collection::vec(op(), 1..64)) {
        let original = Rights::from_bits_retain(original & !Rights::SAME_RIGHTS_REQUEST);
        let mut table = HandleTable::new();
        let mut live = vec![table.insert((), original).unwrap()];
        for op in ops {
            if live.is_empty() {
                break;
            }
            match op {
                Op::Duplicate { pick, request } => {
                    let h = live[pick % live.len()];
                    if let Ok(new) = table.duplicate(h, request) {
                        live.push(new);
                    }
                }
                Op::Replace { pick, request } => {
                    let i = pick % live.len();
                    let h = live.swap_remove(i);
                    if let Ok(new) = table.replace(h, request) {
                        live.push(new);
                    }
                    prop_assert!(table.get(h).is_err(), "replace must consume the handle");
                }
                Op::Close { pick } => {
                    let h = live.swap_remove(pick % live.len());
                    table.remove(h).unwrap();
                }
            }
            for &h in &live {
                let rights = table.get(h).unwrap().rights;
                prop_assert!(original.contains(rights), "{rights:?} exceeds {original:?}");
            }
        }
    }
}
