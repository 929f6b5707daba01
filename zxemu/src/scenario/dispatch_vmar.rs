//! The address-space calls of a scenario: VMARs, process memory and the software MMU. A
//! mapped access that faults gives [`Value::Fault`], which `=> fault STATUS [at ADDR]`
//! expects.

use zx_kernel::{PageFault, Process, Status};

use super::dispatch::{handle, int, unit, Args, Outcome, Value};

/// A mapped access's result: its value, or the fault as a value (not an error status).
fn mapped<T>(r: Result<T, PageFault>, ok: impl FnOnce(T) -> Value) -> Result<Value, Status> {
    Ok(match r {
        Ok(v) => ok(v),
        Err(fault) => Value::Fault(fault.vaddr, fault.status),
    })
}

pub(crate) fn vmar_call(p: &Process, name: &str, a: &Args<'_>) -> Option<Outcome> {
    let run = || -> Result<Option<Result<Value, Status>>, String> {
        Ok(Some(match name {
            "process_self" => Ok(Value::Handle(p.process_self())),
            "vmar_root_self" => Ok(Value::Handle(p.vmar_root_self())),
            "vmar_allocate" => p
                .vmar_allocate(a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?)
                .map(|(child, _)| Value::Handle(child)),
            "vmar_map" => {
                let (vmar, opts, off) = (a.u32(0)?, a.u32(1)?, a.u64(2)?);
                p.vmar_map(vmar, opts, off, a.u32(3)?, a.u64(4)?, a.u64(5)?)
                    .map(|addr| Value::Scalar(addr.into()))
            }
            "vmar_unmap" => unit(p.vmar_unmap(a.u32(0)?, a.u64(1)?, a.u64(2)?)),
            "vmar_protect" => unit(p.vmar_protect(a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?)),
            "vmar_op_range" => {
                let (vmar, op, addr, size) = (a.u32(0)?, a.u32(1)?, a.u64(2)?, a.u64(3)?);
                let mut buffer = vec![0u8; a.len(4)?];
                unit(p.vmar_op_range(vmar, op, addr, size, &mut buffer))
            }
            "vmar_destroy" => unit(p.vmar_destroy(a.u32(0)?)),
            "vmo_replace_as_executable" => {
                handle(p.vmo_replace_as_executable(a.u32(0)?, a.u32(1)?))
            }
            "object_get_info_vmar" => p
                .object_get_info_vmar(a.u32(0)?)
                .map(|i| Value::Record(vec![("base", int(i.base)), ("len", int(i.len))])),
            "process_read_memory" => {
                let (process, vaddr) = (a.u32(0)?, a.u64(1)?);
                let mut buffer = vec![0u8; a.len(2)?];
                p.process_read_memory(process, vaddr, &mut buffer).map(|actual| {
                    buffer.truncate(actual);
                    Value::Bytes(buffer)
                })
            }
            "process_write_memory" => p
                .process_write_memory(a.u32(0)?, a.u64(1)?, a.bytes(2)?)
                .map(|actual| Value::Scalar(actual as i128)),
            "read_mapped" => {
                let vaddr = a.u64(0)?;
                let mut buffer = vec![0u8; a.len(1)?];
                let r = p.read_mapped(vaddr, &mut buffer);
                mapped(r, |()| Value::Bytes(buffer))
            }
            "write_mapped" => mapped(p.write_mapped(a.u64(0)?, a.bytes(1)?), |()| Value::Unit),
            "fetch_mapped" => {
                let vaddr = a.u64(0)?;
                let mut buffer = vec![0u8; a.len(1)?];
                let r = p.fetch_mapped(vaddr, &mut buffer);
                mapped(r, |()| Value::Bytes(buffer))
            }
            "load_mapped_u64" => mapped(p.load_mapped_u64(a.u64(0)?), |v| Value::Scalar(v.into())),
            "store_mapped_u64" => {
                mapped(p.store_mapped_u64(a.u64(0)?, a.u64(1)?), |()| Value::Unit)
            }
            "compare_exchange_mapped_u64" => {
                let r = p.compare_exchange_mapped_u64(a.u64(0)?, a.u64(1)?, a.u64(2)?);
                mapped(r, |outcome| {
                    let (swapped, value) = match outcome {
                        Ok(v) => (1u64, v),
                        Err(v) => (0, v),
                    };
                    Value::Record(vec![("swapped", int(swapped)), ("value", int(value))])
                })
            }
            "fetch_add_mapped_u64" => {
                mapped(p.fetch_add_mapped_u64(a.u64(0)?, a.u64(1)?), |v| Value::Scalar(v.into()))
            }
            _ => return Ok(None),
        }))
    };
    run().transpose()
}
