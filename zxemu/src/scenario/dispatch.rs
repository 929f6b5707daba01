//! Turns a scenario call with evaluated arguments into a call of the public API.

use super::calls::CallSpec;
use super::check::range;
use zx_kernel::zx;
use zx_kernel::{Kernel, Process, Status};

/// An evaluated argument.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(i128),
    Bytes(Vec<u8>),
    Packet(zx::zx_port_packet_t),
}

/// A record field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field {
    Int(i128),
    Bytes(Vec<u8>),
    /// Dirty ranges: `(offset, length, options)` each.
    Ranges(Vec<[i128; 3]>),
}

/// What a successful call gave back.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Unit,
    Handle(u32),
    Scalar(i128),
    Bytes(Vec<u8>),
    Record(Vec<(&'static str, Field)>),
    /// A mapped access faulted: the first address not transferred and the status.
    Fault(u64, Status),
}

/// The call's outcome, or why its arguments could not be passed.
pub(crate) type Outcome = Result<Result<Value, Status>, String>;

/// The evaluated arguments of one call, read by position with their declared kinds.
pub(crate) struct Args<'a> {
    spec: &'static CallSpec,
    vals: &'a [Val],
}

impl<'a> Args<'a> {
    pub(crate) fn new(spec: &'static CallSpec, vals: &'a [Val]) -> Self {
        Args { spec, vals }
    }

    pub(crate) fn int(&self, i: usize) -> Result<i128, String> {
        let (name, ty) = self.spec.params.get(i).copied().ok_or("missing argument")?;
        let Some(Val::Int(v)) = self.vals.get(i) else {
            return Err(format!("`{name}` is not a number"));
        };
        let (lo, hi, what) = range(ty);
        if *v < lo || *v > hi {
            return Err(format!("argument `{name}` = {v} does not fit {what}"));
        }
        Ok(*v)
    }

    pub(crate) fn u32(&self, i: usize) -> Result<u32, String> {
        self.int(i).and_then(|v| u32::try_from(v).map_err(|e| e.to_string()))
    }

    pub(crate) fn u64(&self, i: usize) -> Result<u64, String> {
        self.int(i).and_then(|v| u64::try_from(v).map_err(|e| e.to_string()))
    }

    fn i64(&self, i: usize) -> Result<i64, String> {
        self.int(i).and_then(|v| i64::try_from(v).map_err(|e| e.to_string()))
    }

    /// A [`Ty::Word`](super::calls::Ty::Word): a negative value is sign-extended to 64 bits.
    fn word(&self, i: usize) -> Result<u64, String> {
        let v = self.int(i)?;
        match i64::try_from(v) {
            Ok(signed) if signed < 0 => Ok(signed as u64),
            _ => u64::try_from(v).map_err(|e| e.to_string()),
        }
    }

    pub(crate) fn len(&self, i: usize) -> Result<usize, String> {
        self.int(i).and_then(|v| usize::try_from(v).map_err(|e| e.to_string()))
    }

    pub(crate) fn bytes(&self, i: usize) -> Result<&'a [u8], String> {
        match self.vals.get(i) {
            Some(Val::Bytes(b)) => Ok(b),
            _ => Err("expected bytes".to_string()),
        }
    }

    fn packet(&self, i: usize) -> Result<&'a zx::zx_port_packet_t, String> {
        match self.vals.get(i) {
            Some(Val::Packet(p)) => Ok(p),
            _ => Err("expected a packet".to_string()),
        }
    }
}

/// Makes the call named by `a`'s signature in process `p` (or on `kernel`).
pub(crate) fn dispatch(kernel: &Kernel, p: &Process, a: &Args<'_>) -> Outcome {
    let name = a.spec.name;
    if let Some(out) = vmo_call(p, name, a) {
        return out;
    }
    if let Some(out) = object_call(p, name, a) {
        return out;
    }
    if let Some(out) = device_call(p, name, a) {
        return out;
    }
    if let Some(out) = pager_call(p, name, a) {
        return out;
    }
    if let Some(out) = super::dispatch_vmar::vmar_call(p, name, a) {
        return out;
    }
    kernel_call(kernel, name)
        .unwrap_or_else(|| Err(format!("`{name}` has no implementation in the runner")))
}

pub(crate) fn unit(r: Result<(), Status>) -> Result<Value, Status> {
    r.map(|()| Value::Unit)
}

pub(crate) fn handle(r: Result<zx::zx_handle_t, Status>) -> Result<Value, Status> {
    r.map(Value::Handle)
}

fn with_buffer(
    len: usize,
    f: impl FnOnce(&mut [u8]) -> Result<(), Status>,
) -> Result<Value, Status> {
    let mut buf = vec![0u8; len];
    f(&mut buf).map(|()| Value::Bytes(buf))
}

fn vmo_call(p: &Process, name: &str, a: &Args<'_>) -> Option<Outcome> {
    let run = || -> Result<Option<Result<Value, Status>>, String> {
        Ok(Some(match name {
            "vmo_create" => handle(p.vmo_create(a.u64(0)?, a.u32(1)?)),
            "vmo_read" => {
                let (h, off) = (a.u32(0)?, a.u64(2)?);
                with_buffer(a.len(1)?, |b| p.vmo_read(h, b, off))
            }
            "vmo_write" => unit(p.vmo_write(a.u32(0)?, a.bytes(1)?, a.u64(2)?)),
            "vmo_get_size" => p.vmo_get_size(a.u32(0)?).map(|s| Value::Scalar(s.into())),
            "vmo_set_size" => unit(p.vmo_set_size(a.u32(0)?, a.u64(1)?)),
            "vmo_op_range" => {
                let (h, op, off, size) = (a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?);
                with_buffer(a.len(4)?, |b| p.vmo_op_range(h, op, off, size, b))
            }
            "vmo_create_child" => {
                handle(p.vmo_create_child(a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?))
            }
            "vmo_transfer_data" => {
                let (dst, opts, off, len) = (a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?);
                unit(p.vmo_transfer_data(dst, opts, off, len, a.u32(4)?, a.u64(5)?))
            }
            "vmo_create_contiguous" => {
                handle(p.vmo_create_contiguous(a.u32(0)?, a.u64(1)?, a.u32(2)?))
            }
            "vmo_create_physical" => handle(p.vmo_create_physical(a.u32(0)?, a.u64(1)?, a.u64(2)?)),
            "vmo_set_stream_size" => unit(p.vmo_set_stream_size(a.u32(0)?, a.u64(1)?)),
            "vmo_get_stream_size" => {
                p.vmo_get_stream_size(a.u32(0)?).map(|s| Value::Scalar(s.into()))
            }
            _ => return Ok(None),
        }))
    };
    run().transpose()
}

fn object_call(p: &Process, name: &str, a: &Args<'_>) -> Option<Outcome> {
    let run = || -> Result<Option<Result<Value, Status>>, String> {
        Ok(Some(match name {
            "handle_close" => unit(p.handle_close(a.u32(0)?)),
            "handle_duplicate" => handle(p.handle_duplicate(a.u32(0)?, a.u32(1)?)),
            "handle_replace" => handle(p.handle_replace(a.u32(0)?, a.u32(1)?)),
            "object_get_info" => {
                let mut buf = vec![0u8; a.len(2)?];
                p.object_get_info(a.u32(0)?, a.u32(1)?, &mut buf).map(|(actual, avail)| {
                    Value::Record(vec![
                        ("actual", int(actual as u64)),
                        ("avail", int(avail as u64)),
                    ])
                })
            }
            "object_get_info_handle_basic" => {
                p.object_get_info_handle_basic(a.u32(0)?).map(handle_basic)
            }
            "object_get_info_vmo" => p.object_get_info_vmo(a.u32(0)?).map(info_vmo),
            "object_get_info_bti" => p.object_get_info_bti(a.u32(0)?).map(info_bti),
            "object_get_property" => {
                let (h, prop) = (a.u32(0)?, a.u32(1)?);
                with_buffer(a.len(2)?, |b| p.object_get_property(h, prop, b))
            }
            "object_set_property" => unit(p.object_set_property(a.u32(0)?, a.u32(1)?, a.bytes(2)?)),
            "object_wait_one" => {
                p.object_wait_one(a.u32(0)?, a.u32(1)?, a.i64(2)?).map(|s| Value::Scalar(s.into()))
            }
            "object_signal" => unit(p.object_signal(a.u32(0)?, a.u32(1)?, a.u32(2)?)),
            "clock_get_monotonic" => Ok(Value::Scalar(p.clock_get_monotonic().into())),
            "event_create" => handle(p.event_create(a.u32(0)?)),
            _ => return Ok(None),
        }))
    };
    run().transpose()
}

fn device_call(p: &Process, name: &str, a: &Args<'_>) -> Option<Outcome> {
    let run = || -> Result<Option<Result<Value, Status>>, String> {
        Ok(Some(match name {
            "root_resource" => handle(p.root_resource()),
            "iommu_create" => handle(p.iommu_create(a.u32(0)?, a.u32(1)?, a.bytes(2)?)),
            "bti_create" => handle(p.bti_create(a.u32(0)?, a.u32(1)?, a.u64(2)?)),
            "bti_pin" => {
                let (bti, opts, vmo, off, size) =
                    (a.u32(0)?, a.u32(1)?, a.u32(2)?, a.u64(3)?, a.u64(4)?);
                let mut addrs = vec![0; a.len(5)?];
                handle(p.bti_pin(bti, opts, vmo, off, size, &mut addrs))
            }
            "bti_release_quarantine" => unit(p.bti_release_quarantine(a.u32(0)?)),
            "pmt_unpin" => unit(p.pmt_unpin(a.u32(0)?)),
            _ => return Ok(None),
        }))
    };
    run().transpose()
}

fn pager_call(p: &Process, name: &str, a: &Args<'_>) -> Option<Outcome> {
    let run = || -> Result<Option<Result<Value, Status>>, String> {
        Ok(Some(match name {
            "port_create" => handle(p.port_create(a.u32(0)?)),
            "port_queue" => unit(p.port_queue(a.u32(0)?, a.packet(1)?)),
            "port_wait" => p.port_wait(a.u32(0)?, a.i64(1)?).map(packet),
            "pager_create" => handle(p.pager_create(a.u32(0)?)),
            "pager_create_vmo" => {
                let (pager, opts, port) = (a.u32(0)?, a.u32(1)?, a.u32(2)?);
                handle(p.pager_create_vmo(pager, opts, port, a.u64(3)?, a.u64(4)?))
            }
            "pager_detach_vmo" => unit(p.pager_detach_vmo(a.u32(0)?, a.u32(1)?)),
            "pager_supply_pages" => {
                let (pager, vmo, off, len) = (a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?);
                unit(p.pager_supply_pages(pager, vmo, off, len, a.u32(4)?, a.u64(5)?))
            }
            "pager_op_range" => {
                let (pager, op, vmo, off) = (a.u32(0)?, a.u32(1)?, a.u32(2)?, a.u64(3)?);
                // `data` carries a status for OP_FAIL: sign-extended as a C caller's would be.
                unit(p.pager_op_range(pager, op, vmo, off, a.u64(4)?, a.word(5)?))
            }
            "pager_query_dirty_ranges" => {
                let (pager, vmo, off, len) = (a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?);
                let mut buf = vec![zx::zx_vmo_dirty_range_t::default(); a.len(4)?];
                p.pager_query_dirty_ranges(pager, vmo, off, len, &mut buf).map(|(actual, avail)| {
                    let ranges = buf
                        .iter()
                        .take(actual)
                        .map(|r| [r.offset.into(), r.length.into(), r.options.into()])
                        .collect();
                    Value::Record(vec![
                        ("actual", int(actual as u64)),
                        ("avail", int(avail as u64)),
                        ("ranges", Field::Ranges(ranges)),
                    ])
                })
            }
            "pager_query_vmo_stats" => {
                let (pager, vmo, opts) = (a.u32(0)?, a.u32(1)?, a.u32(2)?);
                let mut buf = vec![0u8; a.len(3)?];
                match p.pager_query_vmo_stats(pager, vmo, opts, &mut buf) {
                    Err(s) => Err(s),
                    Ok(()) => {
                        let Some(&[a, b, c, d]) = buf.get(..4) else {
                            let n = buf.len();
                            return Err(format!("OK with a {n}-byte buffer: no record to read"));
                        };
                        let modified = u32::from_le_bytes([a, b, c, d]);
                        Ok(Value::Record(vec![("modified", int(modified))]))
                    }
                }
            }
            _ => return Ok(None),
        }))
    };
    run().transpose()
}

fn kernel_call(kernel: &Kernel, name: &str) -> Option<Outcome> {
    let value = match name {
        "kmem_stats" => {
            let s = kernel.kmem_stats();
            let used = s.total_bytes.saturating_sub(s.free_bytes);
            Value::Record(vec![
                ("total_bytes", int(s.total_bytes)),
                ("free_bytes", int(s.free_bytes)),
                ("vmo_bytes", int(s.vmo_bytes)),
                ("used_bytes", int(used)),
            ])
        }
        "reclaim_discardable" => Value::Scalar(kernel.reclaim_discardable().into()),
        _ => return None,
    };
    Some(Ok(Ok(value)))
}

pub(crate) fn int(v: impl Into<i128>) -> Field {
    Field::Int(v.into())
}

fn handle_basic(i: zx::zx_info_handle_basic_t) -> Value {
    Value::Record(vec![
        ("koid", int(i.koid)),
        ("rights", int(i.rights)),
        ("type", int(i.type_)),
        ("related_koid", int(i.related_koid)),
        ("props", int(i.props)),
    ])
}

fn info_vmo(i: zx::zx_info_vmo_t) -> Value {
    let name: Vec<u8> = i.name.iter().copied().take_while(|&c| c != 0).collect();
    Value::Record(vec![
        ("koid", int(i.koid)),
        ("name", Field::Bytes(name)),
        ("size_bytes", int(i.size_bytes)),
        ("parent_koid", int(i.parent_koid)),
        ("num_children", int(i.num_children)),
        ("num_mappings", int(i.num_mappings)),
        ("share_count", int(i.share_count)),
        ("flags", int(i.flags)),
        ("committed_bytes", int(i.committed_bytes)),
        ("handle_rights", int(i.handle_rights)),
        ("cache_policy", int(i.cache_policy)),
        ("metadata_bytes", int(i.metadata_bytes)),
        ("committed_change_events", int(i.committed_change_events)),
        ("populated_bytes", int(i.populated_bytes)),
        ("committed_private_bytes", int(i.committed_private_bytes)),
        ("populated_private_bytes", int(i.populated_private_bytes)),
        ("committed_scaled_bytes", int(i.committed_scaled_bytes)),
        ("populated_scaled_bytes", int(i.populated_scaled_bytes)),
        ("committed_fractional_scaled_bytes", int(i.committed_fractional_scaled_bytes)),
        ("populated_fractional_scaled_bytes", int(i.populated_fractional_scaled_bytes)),
    ])
}

/// A packet as the record of `calls::PACKET`: the payload whole, and read as a page request.
fn packet(p: zx::zx_port_packet_t) -> Value {
    let req: zx::zx_packet_page_request_t = bytemuck::pod_read_unaligned(&p.union_);
    Value::Record(vec![
        ("key", int(p.key)),
        ("type", int(p.type_)),
        ("status", int(p.status)),
        ("payload", Field::Bytes(p.union_.to_vec())),
        ("command", int(req.command)),
        ("flags", int(req.flags)),
        ("offset", int(req.offset)),
        ("length", int(req.length)),
        ("reserved0", int(req.reserved0)),
        ("reserved1", int(req.reserved1)),
    ])
}

fn info_bti(i: zx::zx_info_bti_t) -> Value {
    Value::Record(vec![
        ("minimum_contiguity", int(i.minimum_contiguity)),
        ("aspace_size", int(i.aspace_size)),
        ("pmo_count", int(i.pmo_count)),
        ("quarantine_count", int(i.quarantine_count)),
    ])
}
