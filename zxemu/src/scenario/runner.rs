//! Runs the cases of a [`Script`], each against a fresh kernel, and says what passed.

use super::ast::{
    Arg, Call, Case, Check, CmpOp, Expr, ExprKind, Name, PacketLit, Pattern, Piece, Pos, Rhs,
    Script, StepKind,
};
use super::calls::{status_name, PACKET_LITERAL, PACKET_PAYLOAD};
use super::check::{range, MAX_BUFFER};
use super::dispatch::{dispatch, Args, Field, Outcome, Val, Value};
use super::parser::apply;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use zx_kernel::{zx, Kernel, KernelConfig, Process};

/// How long `spawn` lets its call run before the next line: a call that does not block has
/// returned by then (in practice), one that blocks is waiting when the next line runs.
pub const SPAWN_SETTLE: Duration = Duration::from_millis(10);

/// Why a case failed: where, and what happened instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the failing expectation (or call).
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// Expected and actual, e.g. `vmo_get_size: expected 8192 (0x2000), got 4096 (0x1000)`.
    pub message: String,
}

/// The verdict on one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseReport {
    /// The file the case comes from.
    pub file: String,
    /// The case's name.
    pub case: String,
    /// `None` when it passed.
    pub failure: Option<Failure>,
    /// How long it ran.
    pub elapsed: Duration,
}

impl CaseReport {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// A name bound by `-> name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    /// A handle value, and the process that holds it.
    Handle {
        /// The process's name.
        process: String,
        /// The handle value.
        value: u32,
    },
    /// A number (a size, signals, a time).
    Scalar(i128),
}

/// The seed of every case's handle secrets (see `KernelConfig::handle_seed`).
const CASE_HANDLE_SEED: u64 = 0x2ec5_eed5;

/// The state a case leaves behind: its kernel, processes and bindings.
pub struct Env {
    /// The case's kernel.
    pub kernel: Kernel,
    processes: HashMap<String, Process>,
    names: HashMap<String, Bound>,
}

impl Env {
    fn new(case: &Case, prepare: impl FnOnce(&Kernel)) -> Self {
        // A fixed seed: a case hands out the same handle values in every run, so `-v` logs
        // and pictures can be compared (each process still scrambles with its own secret).
        let mut config =
            KernelConfig { handle_seed: Some(CASE_HANDLE_SEED), ..KernelConfig::default() };
        if let Some(bytes) = case.memory {
            config.memory_bytes = bytes;
        }
        if let Some(ns) = case.pager_timeout_ns {
            config.pager_timeout_ns = ns;
        }
        let kernel = Kernel::new(config);
        prepare(&kernel);
        let processes = HashMap::from([("main".to_string(), kernel.create_process())]);
        Env { kernel, processes, names: HashMap::new() }
    }

    /// The case's processes and their names, `main` first, then by name.
    ///
    /// ```
    /// use zxemu::scenario::{parse, run_case};
    /// let script = parse("t.zxs", "process other\nvmo_create 1P 0 -> a\ninvariants\n").unwrap();
    /// let (_, env) = run_case(&script, &script.cases[0], None);
    /// let names: Vec<String> = env.processes().into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["main", "other"]);
    /// ```
    pub fn processes(&self) -> Vec<(String, Process)> {
        let mut all: Vec<(String, Process)> =
            self.processes.iter().map(|(n, p)| (n.clone(), p.clone())).collect();
        all.sort_by_key(|(n, _)| (n != "main", n.clone()));
        all
    }

    /// The names of live bound handles, by the koid of their object (`a, b` when several).
    ///
    /// ```
    /// use zxemu::scenario::{parse, run_case};
    /// let script = parse("t.zxs", "vmo_create 4K 0 -> a => ZX_OK\n").unwrap();
    /// let (_, env) = run_case(&script, &script.cases[0], None);
    /// assert_eq!(env.labels().values().next().map(String::as_str), Some("a"));
    /// ```
    pub fn labels(&self) -> BTreeMap<u64, String> {
        let mut by_koid: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
        let mut names: Vec<(&String, &Bound)> = self.names.iter().collect();
        names.sort_by_key(|(n, _)| *n);
        for (name, bound) in names {
            if let Some(koid) = self.koid_of(bound) {
                by_koid.entry(koid).or_default().push(name);
            }
        }
        by_koid.into_iter().map(|(k, v)| (k, v.join(", "))).collect()
    }

    fn koid_of(&self, bound: &Bound) -> Option<u64> {
        let Bound::Handle { process, value } = bound else {
            return None;
        };
        self.processes.get(process)?.object_get_info_handle_basic(*value).ok().map(|i| i.koid)
    }
}

/// Runs every case of `script`, in order.
///
/// ```
/// use zxemu::scenario::{parse, run_script};
/// let script = parse("t.zxs", "vmo_create 2P 0 -> a\nvmo_get_size a == 8K\n").unwrap();
/// assert!(run_script(&script).iter().all(|r| r.passed()));
/// ```
pub fn run_script(script: &Script) -> Vec<CaseReport> {
    script.cases.iter().map(|case| run_case(script, case, None).0).collect()
}

/// Runs one case on a fresh kernel; with `log`, writes each executed line and what it returned.
pub fn run_case(script: &Script, case: &Case, log: Option<&mut String>) -> (CaseReport, Env) {
    run_case_on(script, case, log, |_| {})
}

/// [`run_case`], with `prepare` called on the fresh kernel before the first step (to set
/// its failure injector, for example).
///
/// ```
/// use zx_kernel::FaultPlan;
/// use zxemu::scenario::{parse, run_case_on};
/// let script = parse("t.zxs", "vmo_create 4K 0 -> a\nvmo_write a \"x\" 0 => ZX_OK\n").unwrap();
/// let fail_first = |k: &zx_kernel::Kernel| k.fault_injector().set(FaultPlan::FailAt(0));
/// let (report, _) = run_case_on(&script, &script.cases[0], None, fail_first);
/// assert!(report.failure.unwrap().message.contains("ZX_ERR_NO_MEMORY"));
/// ```
pub fn run_case_on(
    script: &Script,
    case: &Case,
    log: Option<&mut String>,
    prepare: impl FnOnce(&Kernel),
) -> (CaseReport, Env) {
    run_case_watched(script, case, log, prepare, None)
}

/// What a running case is doing, for whoever gives up waiting for it (the per-case timeout).
#[derive(Debug, Default)]
pub(crate) struct Watch(Mutex<WatchState>);

#[derive(Debug, Default)]
struct WatchState {
    /// The step being run.
    step: Option<Pos>,
    /// Spawned calls still running, by name: where each was spawned.
    running: BTreeMap<String, Pos>,
    /// The spawned call a `join` waits for.
    joining: Option<String>,
}

impl Watch {
    fn update(&self, f: impl FnOnce(&mut WatchState)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// The line that still runs, and a sentence naming it (and the `join` waiting for it).
    pub(crate) fn stuck(&self, script: &Script) -> Option<(Pos, String)> {
        let st = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let step = st.step?;
        let code = |pos: Pos| code_part(script.source_line(pos.line)).to_string();
        if let Some(spawn) = st.joining.as_ref().and_then(|n| Some((n, *st.running.get(n)?))) {
            let (name, at) = spawn;
            let msg = format!(
                "line {} still runs (`{}`), awaited by `join {name}` at line {}",
                at.line,
                code(at),
                step.line
            );
            return Some((at, msg));
        }
        Some((step, format!("line {} still runs (`{}`)", step.line, code(step))))
    }
}

/// [`run_case_on`], telling `watch` (when given) which line runs.
pub(crate) fn run_case_watched(
    script: &Script,
    case: &Case,
    log: Option<&mut String>,
    prepare: impl FnOnce(&Kernel),
    watch: Option<Arc<Watch>>,
) -> (CaseReport, Env) {
    let start = Instant::now();
    let width = case
        .steps
        .iter()
        .map(|st| code_part(script.source_line(st.pos.line)).chars().count())
        .max()
        .unwrap_or(0);
    let mut runner =
        Runner { env: Env::new(case, prepare), script, log, width, watch, spawned: HashMap::new() };
    let failure = case.steps.iter().find_map(|step| runner.step(step.pos, &step.kind).err());
    let report = CaseReport {
        file: script.file.clone(),
        case: case.name.clone(),
        failure,
        elapsed: start.elapsed(),
    };
    (report, runner.env)
}

struct Runner<'a> {
    env: Env,
    script: &'a Script,
    log: Option<&'a mut String>,
    /// The widest statement of the case (without comments), to align the `-v` log.
    width: usize,
    watch: Option<Arc<Watch>>,
    /// Spawned calls not joined yet, by name.
    spawned: HashMap<String, Spawned>,
}

/// A spawned call: where, what, and its outcome or the channel it comes on.
struct Spawned {
    pos: Pos,
    call: Call,
    state: SpawnState,
}

enum SpawnState {
    /// Returned (`None`: its thread panicked).
    Done(Option<Outcome>),
    /// Still running when the next line ran.
    Running(mpsc::Receiver<Outcome>),
}

/// A source line without its comment and surrounding blanks.
fn code_part(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return line[..i].trim(),
            _ => {}
        }
    }
    line.trim()
}

/// The process a call names (`main` without `@`).
fn process_name(call: &Call) -> &str {
    call.process.as_ref().map_or("main", |p| p.text.as_str())
}

fn fail(pos: Pos, message: impl Into<String>) -> Failure {
    Failure { line: pos.line, col: pos.col, message: message.into() }
}

impl Runner<'_> {
    fn step(&mut self, pos: Pos, kind: &StepKind) -> Result<(), Failure> {
        if let Some(w) = &self.watch {
            w.update(|s| s.step = Some(pos));
        }
        let result = match kind {
            StepKind::Process(name) => {
                let p = self.env.kernel.create_process();
                self.env.processes.insert(name.text.clone(), p);
                Ok("ok".to_string())
            }
            StepKind::Invariants => match self.env.kernel.check_invariants() {
                Ok(()) => Ok("ok".to_string()),
                Err(why) => Err(fail(pos, format!("invariants: {why}"))),
            },
            StepKind::Call(call) => self.call(pos, call),
            StepKind::Spawn { name, call } => self.spawn(pos, name, call),
            StepKind::Join(name) => self.join(pos, name),
        };
        self.trace(pos, &result);
        result.map(|_| ())
    }

    fn trace(&mut self, pos: Pos, result: &Result<String, Failure>) {
        let Some(log) = self.log.as_deref_mut() else {
            return;
        };
        let source = code_part(self.script.source_line(pos.line));
        let outcome = match result {
            Ok(summary) => summary.clone(),
            Err(f) => format!("FAILED: {}", f.message),
        };
        let width = self.width;
        let _ = writeln!(log, "{:>5} | {source:<width$}  {outcome}", pos.line);
    }

    fn call(&mut self, pos: Pos, call: &Call) -> Result<String, Failure> {
        let (process, vals) = self.prepare(pos, call)?;
        let outcome = dispatch(&self.env.kernel, &process, &Args::new(call.spec, &vals))
            .map_err(|m| fail(pos, m))?;
        self.finish(pos, call, outcome)
    }

    /// The process that makes `call`, and its evaluated arguments.
    fn prepare(&self, pos: Pos, call: &Call) -> Result<(Process, Vec<Val>), Failure> {
        let vals = call.args.iter().map(|a| self.arg(a)).collect::<Result<Vec<_>, _>>()?;
        let pname = process_name(call);
        let process = self
            .env
            .processes
            .get(pname)
            .cloned()
            .ok_or_else(|| fail(pos, format!("no process `{pname}`")))?;
        Ok((process, vals))
    }

    /// `spawn NAME: CALL`: starts the call on a thread with a clone of its process, and gives
    /// it [`SPAWN_SETTLE`] to return before the next line.
    fn spawn(&mut self, pos: Pos, name: &Name, call: &Call) -> Result<String, Failure> {
        let (process, vals) = self.prepare(pos, call)?;
        let (kernel, spec, key) = (self.env.kernel.clone(), call.spec, name.text.clone());
        let watch = self.watch.clone();
        if let Some(w) = &watch {
            w.update(|s| {
                s.running.insert(key.clone(), pos);
            });
        }
        let (tx, rx) = mpsc::channel();
        let started = std::thread::Builder::new().name(format!("spawn {key}")).spawn(move || {
            let outcome = dispatch(&kernel, &process, &Args::new(spec, &vals));
            // The process goes before the outcome is sent: once `join` returns, this thread
            // holds no handle (a case that then ends can count on its handles closing).
            drop(process);
            if let Some(w) = &watch {
                w.update(|s| {
                    s.running.remove(&key);
                });
            }
            let _ = tx.send(outcome);
        });
        if let Err(e) = started {
            return Err(fail(pos, format!("cannot start a thread for `{}`: {e}", name.text)));
        }
        let (state, summary) = match rx.recv_timeout(SPAWN_SETTLE) {
            Ok(outcome) => (SpawnState::Done(Some(outcome)), "returned (checked at the join)"),
            Err(mpsc::RecvTimeoutError::Timeout) => (SpawnState::Running(rx), "running"),
            Err(mpsc::RecvTimeoutError::Disconnected) => (SpawnState::Done(None), "panicked"),
        };
        let spawned = Spawned { pos, call: call.clone(), state };
        self.spawned.insert(name.text.clone(), spawned);
        Ok(summary.to_string())
    }

    /// `join NAME`: waits for the spawned call and checks it; a failure is reported at the
    /// spawn's line and names the join's.
    fn join(&mut self, pos: Pos, name: &Name) -> Result<String, Failure> {
        let Some(spawned) = self.spawned.remove(&name.text) else {
            return Err(fail(name.pos, format!("`{}` is not running: nothing to join", name.text)));
        };
        if let Some(w) = &self.watch {
            w.update(|s| s.joining = Some(name.text.clone()));
        }
        let outcome = match spawned.state {
            SpawnState::Done(outcome) => outcome,
            SpawnState::Running(rx) => rx.recv().ok(),
        };
        if let Some(w) = &self.watch {
            w.update(|s| s.joining = None);
        }
        let joined = |f: Failure| Failure {
            message: format!(
                "{} (spawned as `{}`, joined at line {})",
                f.message, name.text, pos.line
            ),
            ..f
        };
        let Some(outcome) = outcome else {
            let msg = "the spawned call panicked (a bug in zxemu: please report it)";
            return Err(joined(fail(spawned.pos, msg)));
        };
        let outcome = outcome.map_err(|m| joined(fail(spawned.pos, m)))?;
        self.finish(spawned.pos, &spawned.call, outcome).map_err(joined)
    }

    /// Checks a call's outcome against its expectations and binds its result.
    fn finish(
        &mut self,
        pos: Pos,
        call: &Call,
        outcome: Result<Value, zx_kernel::Status>,
    ) -> Result<String, Failure> {
        // A fault is the outcome of a mapped access: `=> fault STATUS [at ADDR]` expects it.
        let (outcome, fault_at) = match outcome {
            Ok(Value::Fault(vaddr, status)) => (Err(status), Some(vaddr)),
            other => (other, None),
        };
        match (&call.fault, fault_at) {
            (Some(expected), None) => {
                let got = outcome.as_ref().err().map_or(0, |s| s.into_raw());
                let msg = format!("{}: expected a fault, got {}", call.spec.name, status_text(got));
                return Err(fail(expected.pos, msg));
            }
            (None, Some(vaddr)) => {
                let status = outcome.as_ref().err().map_or(0, |s| s.into_raw());
                let msg = format!(
                    "{}: unexpected fault {} at {vaddr:#x}",
                    call.spec.name,
                    status_text(status)
                );
                return Err(fail(pos, msg));
            }
            (Some(expected), Some(vaddr)) => {
                let got = outcome.as_ref().err().map_or(0, |s| s.into_raw());
                // A wrong status is reported below, as for any call; the address only
                // matters once the status is right.
                let status_ok = call.status.is_none_or(|s| s.raw == got);
                if let (Some(at), true) = (&expected.at, status_ok) {
                    let want = self.eval(at)?;
                    if want != i128::from(vaddr) {
                        let msg = format!(
                            "{}: expected the fault ({}) at {}, got it at {vaddr:#x}",
                            call.spec.name,
                            status_text(got),
                            num(want)
                        );
                        return Err(fail(at.pos, msg));
                    }
                }
            }
            (None, None) => {}
        }
        let raw = outcome.as_ref().err().map_or(0, |s| s.into_raw());
        let expected = call.status.map_or(0, |s| s.raw);
        if raw != expected {
            let at = call.status.map_or(pos, |s| s.pos);
            let msg = format!(
                "{}: expected {}, got {}",
                call.spec.name,
                status_text(expected),
                status_text(raw)
            );
            return Err(fail(at, msg));
        }
        let Ok(value) = outcome else {
            return Ok(match fault_at {
                Some(vaddr) => format!("fault {} at {vaddr:#x}", status_text(raw)),
                None => status_text(raw),
            });
        };
        for check in &call.checks {
            self.check(call.spec.name, check, &value)?;
        }
        if let Some(name) = &call.bind {
            let bound = match value {
                Value::Handle(h) => {
                    Bound::Handle { process: process_name(call).to_string(), value: h }
                }
                Value::Scalar(v) => Bound::Scalar(v),
                _ => return Err(fail(name.pos, "nothing to bind")),
            };
            self.env.names.insert(name.text.clone(), bound);
        }
        Ok(summary(&value))
    }

    fn arg(&self, arg: &Arg) -> Result<Val, Failure> {
        match arg {
            Arg::Value(e) => self.eval(e).map(Val::Int),
            Arg::Bytes(p) => self.bytes(p).map(Val::Bytes),
            Arg::Packet(lit) => self.packet(lit).map(Val::Packet),
        }
    }

    /// The `zx_port_packet_t` a packet literal describes (fields left out are zero).
    fn packet(&self, lit: &PacketLit) -> Result<zx::zx_port_packet_t, Failure> {
        let mut packet = zx::zx_port_packet_t::default();
        let mut request = zx::zx_packet_page_request_t::default();
        let mut laid_out = false;
        for (name, arg) in &lit.fields {
            let ty = PACKET_LITERAL.iter().find(|(f, _)| *f == name.text).map(|&(_, t)| t);
            match (arg, ty) {
                (Arg::Bytes(p), _) => {
                    let bytes = self.bytes(p)?;
                    let Some(slot) = packet.union_.get_mut(..bytes.len()) else {
                        let msg = format!(
                            "a payload holds at most {PACKET_PAYLOAD} bytes, not {}",
                            bytes.len()
                        );
                        return Err(fail(p.pos, msg));
                    };
                    slot.copy_from_slice(&bytes);
                }
                (Arg::Value(e), Some(ty)) => {
                    let v = self.eval(e)?;
                    let (lo, hi, what) = range(ty);
                    if v < lo || v > hi {
                        return Err(fail(
                            e.pos,
                            format!("{} = {v} does not fit {what}", name.text),
                        ));
                    }
                    // In range: the conversions below cannot fail.
                    let bad = |_| fail(e.pos, format!("{} = {v} does not fit {what}", name.text));
                    match name.text.as_str() {
                        "key" => packet.key = u64::try_from(v).map_err(bad)?,
                        "type" => packet.type_ = u32::try_from(v).map_err(bad)?,
                        "status" => packet.status = i32::try_from(v).map_err(bad)?,
                        "command" => request.command = u16::try_from(v).map_err(bad)?,
                        "flags" => request.flags = u16::try_from(v).map_err(bad)?,
                        "offset" => request.offset = u64::try_from(v).map_err(bad)?,
                        "length" => request.length = u64::try_from(v).map_err(bad)?,
                        _ => {
                            return Err(fail(name.pos, format!("no packet field `{}`", name.text)))
                        }
                    }
                    laid_out |= !matches!(name.text.as_str(), "key" | "type" | "status");
                }
                _ => return Err(fail(name.pos, format!("no packet field `{}`", name.text))),
            }
        }
        if laid_out {
            packet.union_.copy_from_slice(bytemuck::bytes_of(&request));
        }
        Ok(packet)
    }

    fn eval(&self, e: &Expr) -> Result<i128, Failure> {
        match &e.kind {
            ExprKind::Num(v) | ExprKind::Const(_, v) => Ok(*v),
            ExprKind::Binding(n) => match self.env.names.get(n) {
                Some(Bound::Handle { value, .. }) => Ok((*value).into()),
                Some(Bound::Scalar(v)) => Ok(*v),
                None => Err(fail(e.pos, format!("`{n}` is not bound"))),
            },
            ExprKind::Koid(n) => self.koid(n.pos, &n.text),
            ExprKind::Neg(inner) => {
                self.eval(inner)?.checked_neg().ok_or_else(|| fail(e.pos, "arithmetic overflow"))
            }
            ExprKind::Binary(op, a, b) => apply(*op, self.eval(a)?, self.eval(b)?)
                .ok_or_else(|| fail(e.pos, "arithmetic overflow")),
        }
    }

    fn koid(&self, pos: Pos, name: &str) -> Result<i128, Failure> {
        let Some(Bound::Handle { process, value }) = self.env.names.get(name) else {
            return Err(fail(pos, format!("`{name}` is not a handle")));
        };
        let p = self.env.processes.get(process).ok_or_else(|| fail(pos, "no such process"))?;
        match p.object_get_info_handle_basic(*value) {
            Ok(info) => Ok(info.koid.into()),
            Err(s) => Err(fail(pos, format!("koid({name}): {}", status_text(s.into_raw())))),
        }
    }

    fn bytes(&self, p: &Pattern) -> Result<Vec<u8>, Failure> {
        let mut out = Vec::new();
        for piece in &p.pieces {
            match piece {
                Piece::Str(s) => out.extend_from_slice(s),
                Piece::List(list) => {
                    for b in list {
                        out.push(self.byte(b)?);
                    }
                }
                Piece::Repeat { byte, count } => {
                    let b = self.byte(byte)?;
                    let n = self.eval(count)?;
                    let n = usize::try_from(n).ok().filter(|&n| (n as u64) <= MAX_BUFFER);
                    let n = n.ok_or_else(|| fail(count.pos, "a pattern length must be 0..=64M"))?;
                    out.resize(out.len() + n, b);
                }
                Piece::Le { width, value } => {
                    let v = self.eval(value)?;
                    out.extend_from_slice(&v.to_le_bytes()[..*width]);
                }
            }
            if out.len() as u64 > MAX_BUFFER {
                return Err(fail(p.pos, "a pattern may hold at most 64M bytes"));
            }
        }
        Ok(out)
    }

    fn byte(&self, e: &Expr) -> Result<u8, Failure> {
        let v = self.eval(e)?;
        u8::try_from(v).map_err(|_| fail(e.pos, format!("{v} is not a byte")))
    }

    fn check(&self, call: &str, check: &Check, value: &Value) -> Result<(), Failure> {
        let (label, actual) = match (&check.field, value) {
            (None, Value::Handle(h)) => (call.to_string(), Field::Int((*h).into())),
            (None, Value::Scalar(v)) => (call.to_string(), Field::Int(*v)),
            (None, Value::Bytes(b)) => (call.to_string(), Field::Bytes(b.clone())),
            (Some(f), Value::Record(fields)) => {
                let found = fields.iter().find(|(n, _)| *n == f.text).map(|(_, v)| v.clone());
                let found =
                    found.ok_or_else(|| fail(check.pos, format!("no field `{}`", f.text)))?;
                (format!("{call}: {}", f.text), found)
            }
            _ => return Err(fail(check.pos, format!("{call}: nothing to check"))),
        };
        let expected = match &check.rhs {
            Rhs::Value(e) => Field::Int(self.eval(e)?),
            Rhs::Bytes(p) => Field::Bytes(self.bytes(p)?),
            Rhs::Ranges(list) => {
                let mut ranges = Vec::with_capacity(list.len());
                for t in list {
                    let options = t.options.as_ref().map_or(Ok(0), |o| self.eval(o))?;
                    ranges.push([self.eval(&t.offset)?, self.eval(&t.length)?, options]);
                }
                Field::Ranges(ranges)
            }
        };
        compare(check.op, &expected, &actual)
            .map_err(|why| fail(check.pos, format!("{label}: {why}")))
    }
}

impl Script {
    /// The text of 1-based line `line` ("" past the end).
    pub fn source_line(&self, line: usize) -> &str {
        line.checked_sub(1).and_then(|i| self.lines.get(i)).map_or("", String::as_str)
    }
}

fn compare(op: CmpOp, expected: &Field, actual: &Field) -> Result<(), String> {
    match (expected, actual) {
        (Field::Int(e), Field::Int(a)) => compare_int(op, *e, *a),
        (Field::Bytes(e), Field::Bytes(a)) => compare_bytes(op, e, a),
        (Field::Ranges(e), Field::Ranges(a)) => match (op, e == a) {
            (CmpOp::Eq, true) | (CmpOp::Ne, false) => Ok(()),
            (CmpOp::Ne, true) => Err(format!("expected anything but {}", show_ranges(e))),
            _ => Err(format!("expected {}, got {}", show_ranges(e), show_ranges(a))),
        },
        _ => Err("cannot compare these kinds of values".to_string()),
    }
}

fn compare_int(op: CmpOp, e: i128, a: i128) -> Result<(), String> {
    let ok = match op {
        CmpOp::Eq => a == e,
        CmpOp::Ne => a != e,
        CmpOp::Has => a & e == e,
        CmpOp::Lacks => a & e == 0,
    };
    if ok {
        return Ok(());
    }
    Err(match op {
        CmpOp::Eq => format!("expected {}, got {}", num(e), num(a)),
        CmpOp::Ne => format!("expected anything but {}", num(e)),
        CmpOp::Has => format!("expected bits {:#x} set, got {:#x} (missing {:#x})", e, a, e & !a),
        CmpOp::Lacks => format!("expected bits {:#x} clear, got {:#x} (set: {:#x})", e, a, e & a),
    })
}

fn compare_bytes(op: CmpOp, e: &[u8], a: &[u8]) -> Result<(), String> {
    match (op, e == a) {
        (CmpOp::Ne, false) | (CmpOp::Eq, true) => Ok(()),
        (CmpOp::Ne, true) => Err(format!("expected anything but {}", show_bytes(e))),
        _ if e.len() != a.len() => {
            Err(format!("expected {} bytes, got {}: {}", e.len(), a.len(), show_bytes(a)))
        }
        _ => {
            let i = e.iter().zip(a).position(|(x, y)| x != y).unwrap_or(0);
            let (x, y) = (e.get(i).copied().unwrap_or(0), a.get(i).copied().unwrap_or(0));
            Err(format!(
                "bytes differ at offset {i} ({}): expected {x:#04x}, got {y:#04x}",
                num(i as i128)
            ))
        }
    }
}

/// A number as `4096 (0x1000)`.
fn num(v: i128) -> String {
    if (-9..=9).contains(&v) {
        v.to_string()
    } else {
        format!("{v} ({v:#x})")
    }
}

/// Dirty ranges as `[(0, 0x1000, 0), (0x2000, 0x1000, 1)]`.
fn show_ranges(list: &[[i128; 3]]) -> String {
    let shown: Vec<String> =
        list.iter().map(|[o, l, opt]| format!("({o:#x}, {l:#x}, {opt})")).collect();
    format!("[{}]", shown.join(", "))
}

fn show_bytes(b: &[u8]) -> String {
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        return format!("\"{}\"", String::from_utf8_lossy(b));
    }
    let head: Vec<String> = b.iter().take(16).map(|c| format!("{c:02x}")).collect();
    let more = if b.len() > 16 { " ..." } else { "" };
    format!("[{}{more}] ({} bytes)", head.join(" "), b.len())
}

/// The C name of a status, or its number.
pub(crate) fn status_text(raw: i32) -> String {
    status_name(raw).map_or_else(|| format!("status {raw}"), str::to_string)
}

fn summary(v: &Value) -> String {
    match v {
        Value::Unit => "ZX_OK".to_string(),
        Value::Fault(vaddr, status) => {
            format!("fault {} at {vaddr:#x}", status_text(status.into_raw()))
        }
        Value::Handle(h) => format!("ZX_OK handle {h:#x}"),
        Value::Scalar(s) => format!("ZX_OK {}", num(*s)),
        Value::Bytes(b) => format!("ZX_OK {}", show_bytes(b)),
        Value::Record(fields) => {
            let shown: Vec<String> = fields
                .iter()
                .filter(|(_, f)| match f {
                    Field::Int(v) => *v != 0,
                    Field::Bytes(b) => b.iter().any(|&c| c != 0),
                    Field::Ranges(_) => true,
                })
                .map(|(n, f)| match f {
                    Field::Int(v) if n.ends_with("koid") => format!("{n}={v}"),
                    Field::Int(v) => format!("{n}={v:#x}"),
                    Field::Bytes(b) => format!("{n}={}", show_bytes(b)),
                    Field::Ranges(list) => format!("{n}={}", show_ranges(list)),
                })
                .collect();
            format!("ZX_OK {{{}}}", shown.join(" "))
        }
    }
}
