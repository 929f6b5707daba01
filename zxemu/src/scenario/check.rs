//! Static checks run before anything executes: every name known, every constant argument in
//! range, every case asserting something.

use super::ast::{Arg, Call, Case, Expr, ExprKind, Pattern, Piece, Pos, Rhs, Script, StepKind};
use super::calls::{Ret, Ty};
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
    let mut scope =
        Scope { file, processes: HashSet::from(["main".to_string()]), names: HashMap::new() };
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
        };
        errors.extend(result.err());
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
            }
        }
        self.bind(call)
    }

    fn bind(&mut self, call: &Call) -> Result<(), ParseError> {
        let Some(name) = &call.bind else {
            return Ok(());
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
        self.names.insert(name.text.clone(), (kind, name.pos.line));
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
            ExprKind::Binding(n) => match self.names.get(n) {
                Some(_) => Ok(()),
                None => self.err(e.pos, format!("unknown name `{n}`: bind it first with `-> {n}`")),
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
        Ty::InBytes | Ty::OutLen => (0, MAX_BUFFER.into(), "a buffer length (at most 64M)"),
        Ty::OutAddrs => (0, (MAX_BUFFER / 8).into(), "an address count (at most 8M)"),
    }
}
