//! The syntax tree of a scenario file, as the parser builds it and the runner walks it.

use super::calls::CallSpec;

/// A place in a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

/// A parsed and checked scenario file.
#[derive(Debug, Clone)]
pub struct Script {
    /// The file as it was named to the parser.
    pub file: String,
    /// Its cases, in file order.
    pub cases: Vec<Case>,
    /// The source text, line by line (for traces and failure reports).
    pub lines: Vec<String>,
}

/// One case: a fresh kernel, a list of steps, a verdict.
#[derive(Debug, Clone)]
pub struct Case {
    /// The name after `case`, or the file's stem for a file without `case` lines.
    pub name: String,
    /// Where the case starts.
    pub pos: Pos,
    /// `memory SIZE`: the emulated RAM of this case's kernel (default: the kernel's default).
    pub memory: Option<u64>,
    /// `pager_timeout NS`: the kernel's `pager_timeout_ns`, the longest wait for one page
    /// request (default: the kernel's default, 300 s).
    pub pager_timeout_ns: Option<u64>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One line that does something.
#[derive(Debug, Clone)]
pub struct Step {
    /// Where the line starts.
    pub pos: Pos,
    /// What it does.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// `process NAME`: a new process of the same kernel.
    Process(Name),
    /// A syscall with its expectations.
    Call(Box<Call>),
    /// `invariants`: `Kernel::check_invariants` must pass.
    Invariants,
    /// `spawn NAME: CALL`: starts the call on a thread of its own; `join NAME` checks it.
    Spawn {
        /// The name `join` uses.
        name: Name,
        /// The call, with the expectations the join checks.
        call: Box<Call>,
    },
    /// `join NAME`: waits for the spawned call and checks its expectations.
    Join(Name),
}

/// A name as written, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name.
    pub text: String,
    /// Where it is written.
    pub pos: Pos,
}

/// A syscall line: `[@proc] call args... [-> name] [=> STATUS] [== value] [{ field checks }]`.
#[derive(Debug, Clone)]
pub struct Call {
    /// `@proc`: the process that makes the call (default `main`).
    pub process: Option<Name>,
    /// Which call, with its signature.
    pub spec: &'static CallSpec,
    /// The arguments, one per parameter of `spec`.
    pub args: Vec<Arg>,
    /// `-> name`: binds the result.
    pub bind: Option<Name>,
    /// `=> STATUS`: the expected status (default `ZX_OK`).
    pub status: Option<StatusExpect>,
    /// `=> fault STATUS [at ADDR]`: a mapped access is expected to fault (with `status`).
    pub fault: Option<FaultExpect>,
    /// Checks on the result and on its fields.
    pub checks: Vec<Check>,
}

/// An expected page fault of a mapped access: `=> fault STATUS [at ADDR]`.
#[derive(Debug, Clone)]
pub struct FaultExpect {
    /// Where `fault` is written.
    pub pos: Pos,
    /// `at ADDR`: the address the fault must report (the first byte not transferred).
    pub at: Option<Expr>,
}

/// An expected status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusExpect {
    /// Where it is written.
    pub pos: Pos,
    /// Its C name.
    pub name: &'static str,
    /// Its C value.
    pub raw: i32,
}

/// One argument.
#[derive(Debug, Clone)]
pub enum Arg {
    /// A number, constant, handle or expression.
    Value(Expr),
    /// The bytes of an input buffer.
    Bytes(Pattern),
    /// A packet literal (`port_queue`).
    Packet(PacketLit),
}

/// A packet literal: `{ key = 5, status = ZX_ERR_IO, payload = 0xAB*32 }`; fields left out
/// are zero.
#[derive(Debug, Clone)]
pub struct PacketLit {
    /// Where the `{` is.
    pub pos: Pos,
    /// The fields given, in order: each once, a value ([`Arg::Value`]) or, for `payload`,
    /// bytes ([`Arg::Bytes`]).
    pub fields: Vec<(Name, Arg)>,
}

/// An integer expression.
#[derive(Debug, Clone)]
pub struct Expr {
    /// Where it starts.
    pub pos: Pos,
    /// What it is.
    pub kind: ExprKind,
}

/// The forms of an integer expression.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// A literal, units applied.
    Num(i128),
    /// A C constant and its value.
    Const(&'static str, i128),
    /// The value bound to a name (a handle value or a number).
    Binding(String),
    /// `koid(name)`: the koid of the object a bound handle names.
    Koid(Name),
    /// `-e`
    Neg(Box<Expr>),
    /// `a | b`, `a + b`, `a - b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `|`
    Or,
    /// `+`
    Add,
    /// `-`
    Sub,
}

/// A byte pattern: pieces joined by `+`.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Where it starts.
    pub pos: Pos,
    /// The pieces, in order.
    pub pieces: Vec<Piece>,
}

/// One piece of a byte pattern.
#[derive(Debug, Clone)]
pub enum Piece {
    /// `BYTE*COUNT`: a byte repeated.
    Repeat {
        /// The byte.
        byte: Expr,
        /// How many times.
        count: Expr,
    },
    /// `"text"`: the bytes of a string.
    Str(Vec<u8>),
    /// `[b0 b1 ...]`: single bytes.
    List(Vec<Expr>),
    /// `u32(v)` or `u64(v)`: an integer in little-endian bytes.
    Le {
        /// 4 or 8.
        width: usize,
        /// The value.
        value: Expr,
    },
}

/// A comparison of the result, or of one of its fields, with an expected value.
#[derive(Debug, Clone)]
pub struct Check {
    /// Where the check is written.
    pub pos: Pos,
    /// The field, or `None` for the result itself.
    pub field: Option<Name>,
    /// The comparison.
    pub op: CmpOp,
    /// The expected side.
    pub rhs: Rhs,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `has`: every bit of the right side is set.
    Has,
    /// `lacks`: no bit of the right side is set.
    Lacks,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Has => "has",
            CmpOp::Lacks => "lacks",
        }
    }
}

/// The expected side of a check.
#[derive(Debug, Clone)]
pub enum Rhs {
    /// An integer.
    Value(Expr),
    /// Bytes (a buffer read back, or a name).
    Bytes(Pattern),
    /// A list of dirty ranges: `[(offset, length), (offset, length, options), ...]`.
    Ranges(Vec<RangeLit>),
}

/// One `(offset, length[, options])` of a dirty-range list; `options` defaults to 0.
#[derive(Debug, Clone)]
pub struct RangeLit {
    /// Where the `(` is.
    pub pos: Pos,
    /// The range's offset.
    pub offset: Expr,
    /// Its length.
    pub length: Expr,
    /// Its options (`ZX_VMO_DIRTY_RANGE_IS_ZERO`), when given.
    pub options: Option<Expr>,
}
