//! Static checks run before anything executes: every name known, every constant argument in
//! range, every case asserting something.

use super::ast::{
    Arg, Call, Case, Expr, ExprKind, Name, PacketLit, Pattern, Piece, Pos, Rhs, Script, StepKind,
};
use super::calls::{Ret, Ty, PACKET_LITERAL, PACKET_PAYLOAD};
use super::error::ParseError;
use super::parser::const_value;
use std::collections::{HashMap, HashSet};

/// The largest buffer a scenario may ask for, in bytes.
pub const MAX_BUFFER: u64 = 64 << 20;

/// What a name is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Handle,
    Scalar,
}

struct Scope<'a> {
    file: &'a str,
    processes: HashSet<String>,
    /// Each bound name: what it holds and the line that bound it.
    names: HashMap<String, (Kind, usize)>,
    /// Each spawned call by its name, in spawn order.
    spawns: Vec<Spawned>,
}

/// A `spawn` line as the checks follow it.
struct Spawned {
    name: Name,
    /// The line of its `join`, once joined.
    joined: Option<usize>,
    /// The name its call binds, bound at the join.
    bind: Option<(Name, Kind)>,
}

/// Checks a parsed script: names, ranges and that each case asserts something. Gives every
/// error found (none when the script is sound).
pub(crate) fn check(script: &Script) -> Vec<ParseError> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for case in &script.cases {
        if !seen.insert(case.name.as_str()) {
            errors.push(ParseError::new(
                &script.file,
                case.pos,
                format!("duplicate case name \"{}\"", case.name),
            ));
        }
        check_case(&script.file, case, &mut errors);
    }
    errors
}

fn check_case(file: &str, case: &Case, errors: &mut Vec<ParseError>) {
    let mut scope = Scope {
        file,
        processes: HashSet::from(["main".to_string()]),
        names: HashMap::new(),
        spawns: Vec::new(),
    };
    let mut asserts = false;
    for step in &case.steps {
        let result = match &step.kind {
            StepKind::Process(name) => {
                if scope.processes.insert(name.text.clone()) {
                    Ok(())
                } else {
                    scope.err(name.pos, format!("process `{}` already exists", name.text))
                }
            }
            StepKind::Invariants => {
                asserts = true;
                Ok(())
            }
            StepKind::Call(call) => {
                asserts |= call.status.is_some() || !call.checks.is_empty();
                scope.call(call).inspect_err(|_| scope.bind_anyway(call))
            }
            StepKind::Spawn { name, call } => {
                asserts |= call.status.is_some() || !call.checks.is_empty();
                scope.spawn(name, call)
            }
            StepKind::Join(name) => scope.join(name),
        };
        errors.extend(result.err());
    }
    for s in scope.spawns.iter().filter(|s| s.joined.is_none()) {
        let msg = format!(
            "`{}` is never joined: add `join {}` before the case ends",
            s.name.text, s.name.text
        );
        errors.push(ParseError::new(file, s.name.pos, msg));
    }
    if !asserts {
        let msg = format!(
            "case \"{}\" checks nothing: add `=> STATUS`, `== value`, `{{ field == value }}` or `invariants`",
            case.name
        );
        errors.push(ParseError::new(file, case.pos, msg));
    }
}

impl Scope<'_> {
    fn err<T>(&self, pos: Pos, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError::new(self.file, pos, message))
    }

    fn call(&mut self, call: &Call) -> Result<(), ParseError> {
        self.call_parts(call)?;
        if let Some((name, kind)) = self.bind_kind(call)? {
            self.names.insert(name.text.clone(), (kind, name.pos.line));
        }
        Ok(())
    }

    /// `spawn NAME: CALL`: the call is checked here, its name bound at the join.
    fn spawn(&mut self, name: &Name, call: &Call) -> Result<(), ParseError> {
        if let Some(s) = self.spawns.iter().find(|s| s.name.text == name.text) {
            let line = s.name.pos.line;
            return self.err(
                name.pos,
                format!("`{}` already names a spawned call (line {line})", name.text),
            );
        }
        let mut spawned = Spawned { name: name.clone(), joined: None, bind: None };
        let checked = self.call_parts(call).and_then(|()| self.bind_kind(call));
        // After an error the name is bound at the join all the same, as `bind_anyway` does.
        let guess = || {
            let kind = if call.spec.ret == Ret::Scalar { Kind::Scalar } else { Kind::Handle };
            call.bind.clone().map(|n| (n, kind))
        };
        spawned.bind = checked.as_ref().map_or_else(|_| guess(), Clone::clone);
        self.spawns.push(spawned);
        checked.map(drop)
    }

    /// `join NAME`: a spawned call not joined yet; binds what the call binds.
    fn join(&mut self, name: &Name) -> Result<(), ParseError> {
        let Some(i) = self.spawns.iter().position(|s| s.name.text == name.text) else {
            let known: Vec<String> =
                self.spawns.iter().map(|s| format!("`{}`", s.name.text)).collect();
            let so_far = if known.is_empty() {
                String::new()
            } else {
                format!(" (spawned so far: {})", known.join(", "))
            };
            return self.err(
                name.pos,
                format!(
                    "unknown spawned call `{}`: start it first with `spawn {}: CALL`{so_far}",
                    name.text, name.text
                ),
            );
        };
        if let Some(line) = self.spawns[i].joined {
            return self.err(name.pos, format!("`{}` is already joined (line {line})", name.text));
        }
        self.spawns[i].joined = Some(name.pos.line);
        if let Some((bound, kind)) = self.spawns[i].bind.take() {
            if let Some(&(_, line)) = self.names.get(&bound.text) {
                return self.err(
                    bound.pos,
                    format!("`{}` is already bound (line {line}): choose another name", bound.text),
                );
            }
            self.names.insert(bound.text, (kind, name.pos.line));
        }
        Ok(())
    }

    /// Everything of a call but its binding.
    fn call_parts(&mut self, call: &Call) -> Result<(), ParseError> {
        if let Some(p) = &call.process {
            if !self.processes.contains(&p.text) {
                return self.err(
                    p.pos,
                    format!("unknown process `{}`: declare it with `process {}`", p.text, p.text),
                );
            }
        }
        for (arg, &(_, ty)) in call.args.iter().zip(call.spec.params) {
            match arg {
                Arg::Value(e) => self.value(e, ty)?,
                Arg::Bytes(p) => self.pattern(p)?,
                Arg::Packet(lit) => self.packet(lit)?,
            }
        }
        if let Some(fault) = &call.fault {
            if !super::calls::MAPPED_ACCESSES.contains(&call.spec.name) {
                return self.err(
                    fault.pos,
                    format!("`{}` is not a mapped access: it cannot fault", call.spec.name),
                );
            }
            if call.status.is_some_and(|s| s.raw == 0) {
                return self.err(fault.pos, "a fault has an error status, not ZX_OK");
            }
            if let Some(at) = &fault.at {
                self.expr(at)?;
            }
        }
        if let (Some(s), Some(c)) = (call.status.filter(|s| s.raw != 0), call.checks.first()) {
            return self.err(
                c.pos,
                format!("a call expected to fail ({}) has no result to check", s.name),
            );
        }
        for check in &call.checks {
            match &check.rhs {
                Rhs::Value(e) => self.expr(e)?,
                Rhs::Bytes(p) => self.pattern(p)?,
                Rhs::Ranges(list) => {
                    for t in list {
                        self.value(&t.offset, Ty::U64)?;
                        self.value(&t.length, Ty::U64)?;
                        if let Some(o) = &t.options {
                            self.value(o, Ty::U64)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The name `call` binds and what it will hold, once checked.
    fn bind_kind(&self, call: &Call) -> Result<Option<(Name, Kind)>, ParseError> {
        let Some(name) = &call.bind else {
            return Ok(None);
        };
        if let Some(s) = call.status.filter(|s| s.raw != 0) {
            return self
                .err(name.pos, format!("a call expected to fail ({}) binds nothing", s.name));
        }
        let kind = match call.spec.ret {
            Ret::Handle => Kind::Handle,
            Ret::Scalar => Kind::Scalar,
            _ => {
                return self.err(name.pos, format!("`{}` returns nothing to bind", call.spec.name))
            }
        };
        if let Some(&(_, line)) = self.names.get(&name.text) {
            return self.err(
                name.pos,
                format!("`{}` is already bound (line {line}): choose another name", name.text),
            );
        }
        if let Some(s) = self.binder(&name.text) {
            let line = s.name.pos.line;
            return self.err(
                name.pos,
                format!(
                    "`{}` is bound by `spawn {}` (line {line}): choose another name",
                    name.text, s.name.text
                ),
            );
        }
        Ok(Some((name.clone(), kind)))
    }

    /// The spawned call, not joined yet, that will bind `name`.
    fn binder(&self, name: &str) -> Option<&Spawned> {
        self.spawns.iter().find(|s| s.bind.as_ref().is_some_and(|(n, _)| n.text == name))
    }

    fn packet(&self, lit: &PacketLit) -> Result<(), ParseError> {
        for (name, arg) in &lit.fields {
            let ty = PACKET_LITERAL.iter().find(|(f, _)| *f == name.text).map(|&(_, t)| t);
            match (arg, ty) {
                (Arg::Value(e), Some(ty)) => self.value(e, ty)?,
                (Arg::Bytes(p), _) => {
                    self.pattern(p)?;
                    if let Some(len) = pattern_len(p).filter(|&n| n > PACKET_PAYLOAD as i128) {
                        return self.err(
                            p.pos,
                            format!("a payload holds at most {PACKET_PAYLOAD} bytes, not {len}"),
                        );
                    }
                }
                _ => return self.err(name.pos, format!("no packet field `{}`", name.text)),
            }
        }
        Ok(())
    }

    /// After an error in `call`, binds its name all the same (as a handle unless the call gives
    /// a number), so that later lines using it do not report errors of their own.
    fn bind_anyway(&mut self, call: &Call) {
        if let Some(name) = &call.bind {
            let kind = if call.spec.ret == Ret::Scalar { Kind::Scalar } else { Kind::Handle };
            self.names.entry(name.text.clone()).or_insert((kind, name.pos.line));
        }
    }

    fn value(&self, e: &Expr, ty: Ty) -> Result<(), ParseError> {
        self.expr(e)?;
        let Some(v) = const_value(e) else {
            return Ok(());
        };
        let (lo, hi, what) = range(ty);
        if v < lo || v > hi {
            return self.err(e.pos, format!("{v} does not fit {what}"));
        }
        Ok(())
    }

    fn expr(&self, e: &Expr) -> Result<(), ParseError> {
        match &e.kind {
            ExprKind::Num(_) | ExprKind::Const(..) => Ok(()),
            ExprKind::Binding(n) => match (self.names.get(n), self.binder(n)) {
                (Some(_), _) => Ok(()),
                (None, Some(s)) => self.err(
                    e.pos,
                    format!(
                        "`{n}` is bound when `{}` is joined: add `join {}` before this line",
                        s.name.text, s.name.text
                    ),
                ),
                (None, None) => {
                    self.err(e.pos, format!("unknown name `{n}`: bind it first with `-> {n}`"))
                }
            },
            ExprKind::Koid(n) => match self.names.get(&n.text) {
                Some((Kind::Handle, _)) => Ok(()),
                Some((Kind::Scalar, _)) => {
                    self.err(n.pos, format!("`{}` is a number, not a handle", n.text))
                }
                None => self.err(
                    n.pos,
                    format!("unknown name `{}`: bind it first with `-> {}`", n.text, n.text),
                ),
            },
            ExprKind::Neg(inner) => self.expr(inner),
            ExprKind::Binary(_, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
                if const_value(a).is_some() && const_value(b).is_some() && const_value(e).is_none()
                {
                    return self.err(e.pos, "arithmetic overflow");
                }
                Ok(())
            }
        }
    }

    fn pattern(&self, p: &Pattern) -> Result<(), ParseError> {
        for piece in &p.pieces {
            match piece {
                Piece::Str(_) => {}
                Piece::List(bytes) => {
                    bytes.iter().try_for_each(|b| self.value(b, Ty::U32).and(self.byte(b)))?
                }
                Piece::Repeat { byte, count } => {
                    self.byte(byte)?;
                    self.value(count, Ty::OutLen)?;
                }
                Piece::Le { width, value } => {
                    self.value(value, if *width == 4 { Ty::U32 } else { Ty::U64 })?
                }
            }
        }
        Ok(())
    }

    fn byte(&self, e: &Expr) -> Result<(), ParseError> {
        self.expr(e)?;
        match const_value(e) {
            Some(v) if !(0..=255).contains(&v) => {
                self.err(e.pos, format!("{v} is not a byte (0..=255)"))
            }
            _ => Ok(()),
        }
    }
}

/// The inclusive range of values a parameter kind accepts, and its name.
pub(crate) fn range(ty: Ty) -> (i128, i128, &'static str) {
    match ty {
        Ty::Handle | Ty::U32 => (0, u32::MAX.into(), "u32"),
        Ty::U64 => (0, u64::MAX.into(), "u64"),
        Ty::I64 => (i64::MIN.into(), i64::MAX.into(), "i64"),
        Ty::U16 => (0, u16::MAX.into(), "u16"),
        Ty::I32 => (i32::MIN.into(), i32::MAX.into(), "i32"),
        Ty::InBytes | Ty::OutLen => (0, MAX_BUFFER.into(), "a buffer length (at most 64M)"),
        Ty::OutCount => (0, (MAX_BUFFER / 8).into(), "an entry count (at most 8M)"),
        Ty::Word => (i64::MIN.into(), u64::MAX.into(), "a 64-bit word (u64, or a negative i64)"),
        // A literal: its fields are checked one by one.
        Ty::Packet => (0, 0, "a packet literal"),
    }
}

/// The length of a byte pattern, when it names no binding.
fn pattern_len(p: &Pattern) -> Option<i128> {
    p.pieces.iter().try_fold(0i128, |len, piece| {
        let n = match piece {
            Piece::Str(s) => s.len() as i128,
            Piece::List(bytes) => bytes.len() as i128,
            Piece::Repeat { count, .. } => const_value(count)?,
            Piece::Le { width, .. } => *width as i128,
        };
        len.checked_add(n)
    })
}
