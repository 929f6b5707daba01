//! From tokens to a [`Script`]: one statement per line, arguments by the call's signature.

use super::ast::{
    Arg, BinOp, Call, Case, Check, CmpOp, Expr, ExprKind, FaultExpect, Name, PacketLit, Pattern,
    Piece, Pos, RangeLit, Rhs, Script, StatusExpect, Step, StepKind,
};
use super::calls::{constant, find_call, status_name, CallSpec, FieldTy, Ret, Ty, PACKET_LITERAL};
use super::error::ParseError;
use super::lexer::{Tok, Token};

/// Words that cannot name a binding or a process.
pub const KEYWORDS: &[&str] = &[
    "case",
    "process",
    "memory",
    "pager_timeout",
    "invariants",
    "spawn",
    "join",
    "koid",
    "has",
    "lacks",
    "u32",
    "u64",
];

type PResult<T> = Result<T, ParseError>;

/// A line that configures a case's kernel.
#[derive(Debug, Clone, Copy)]
enum Setting {
    /// `memory SIZE`
    Memory,
    /// `pager_timeout NS`
    PagerTimeout,
}

/// Builds the syntax tree of a tokenized file (no name resolution: see `check`).
pub(crate) struct Parser<'a> {
    file: &'a str,
    toks: Vec<Token>,
    i: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(file: &'a str, toks: Vec<Token>) -> Self {
        Parser { file, toks, i: 0 }
    }

    fn peek(&self) -> &Token {
        let last = self.toks.len().saturating_sub(1);
        &self.toks[self.i.min(last)]
    }

    fn pos(&self) -> Pos {
        self.peek().pos
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn error<T>(&self, pos: Pos, message: impl Into<String>) -> PResult<T> {
        Err(ParseError::new(self.file, pos, message))
    }

    fn expected<T>(&self, what: &str) -> PResult<T> {
        let t = self.peek();
        self.error(t.pos, format!("expected {what}, found {}", t.tok.describe()))
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let hit = self.peek().tok == Tok::Punct(c);
        if hit {
            self.next();
        }
        hit
    }

    fn expect_punct(&mut self, c: char) -> PResult<()> {
        if self.eat_punct(c) {
            return Ok(());
        }
        self.expected(&format!("`{c}`"))
    }

    fn end_of_line(&mut self) -> PResult<()> {
        if self.peek().tok == Tok::Newline {
            self.next();
            return Ok(());
        }
        self.expected("the end of the line")
    }

    fn ident_word(&self) -> Option<&str> {
        match &self.peek().tok {
            Tok::Ident(s) => Some(s),
            _ => None,
        }
    }

    /// A name that the user chooses (a binding or a process): not a keyword, not a constant.
    fn user_name(&mut self, what: &str) -> PResult<Name> {
        let pos = self.pos();
        let Some(text) = self.ident_word().map(str::to_string) else {
            return self.expected(what);
        };
        if KEYWORDS.contains(&text.as_str()) || text.starts_with("ZX_") {
            return self.error(pos, format!("`{text}` is reserved: choose another name"));
        }
        self.next();
        Ok(Name { text, pos })
    }

    /// The whole file, or every error found in it: after an error the parser skips to the end
    /// of the statement (past a `{ ... }` block it opened) and goes on.
    pub(crate) fn script(mut self, stem: &str) -> Result<Script, Vec<ParseError>> {
        let mut cases: Vec<Case> = Vec::new();
        let mut implicit = false;
        let mut errors = Vec::new();
        loop {
            while self.peek().tok == Tok::Newline {
                self.next();
            }
            if self.peek().tok == Tok::Eof {
                break;
            }
            let start = self.i;
            let result = if self.ident_word() == Some("case") {
                if implicit {
                    let pos = cases[0].pos;
                    errors.push(ParseError::new(
                        self.file,
                        pos,
                        "statement outside any case: a file with `case` lines must start with one",
                    ));
                    break;
                }
                let header = self.case_header();
                // A broken header still opens a case, so its lines do not cascade into errors.
                let pos = self.pos();
                let placeholder = || Case {
                    name: String::new(),
                    pos,
                    memory: None,
                    pager_timeout_ns: None,
                    steps: Vec::new(),
                };
                cases.push(header.as_ref().map_or_else(|_| placeholder(), Clone::clone));
                header.map(drop)
            } else {
                if cases.is_empty() {
                    implicit = true;
                    cases.push(Case {
                        name: stem.to_string(),
                        pos: self.pos(),
                        memory: None,
                        pager_timeout_ns: None,
                        steps: Vec::new(),
                    });
                }
                self.statement(cases.last_mut())
            };
            if let Err(e) = result {
                errors.push(e);
                self.recover(start);
            }
        }
        if cases.is_empty() && errors.is_empty() {
            let pos = Pos { line: 1, col: 1 };
            errors.push(ParseError::new(self.file, pos, "empty file: no case and no statement"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Script { file: self.file.to_string(), cases, lines: Vec::new() })
    }

    /// Skips the rest of the statement that began at token `start`: to the first newline outside
    /// the `{ ... }` blocks it opened.
    fn recover(&mut self, start: usize) {
        let mut depth = 0usize;
        let mut i = start;
        while let Some(t) = self.toks.get(i) {
            match t.tok {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => depth = depth.saturating_sub(1),
                Tok::Newline if depth == 0 && i >= self.i => break,
                Tok::Eof => break,
                _ => {}
            }
            i += 1;
        }
        self.i = i.max(self.i);
    }

    fn case_header(&mut self) -> PResult<Case> {
        let pos = self.next().pos;
        let Tok::Str(name) = self.peek().tok.clone() else {
            return self.expected("a case name in double quotes");
        };
        self.next();
        self.end_of_line()?;
        let name = String::from_utf8_lossy(&name).into_owned();
        Ok(Case { name, pos, memory: None, pager_timeout_ns: None, steps: Vec::new() })
    }

    fn statement(&mut self, case: Option<&mut Case>) -> PResult<()> {
        let Some(case) = case else {
            return self.expected("`case`");
        };
        let pos = self.pos();
        let kind = match self.ident_word() {
            Some("memory") => return self.setting(case, Setting::Memory),
            Some("pager_timeout") => return self.setting(case, Setting::PagerTimeout),
            Some("process") => {
                self.next();
                StepKind::Process(self.user_name("a process name")?)
            }
            Some("invariants") => {
                self.next();
                StepKind::Invariants
            }
            Some("spawn") => {
                self.next();
                let name = self.user_name("a name for the spawned call")?;
                if !self.eat_punct(':') {
                    return self.expected("`:` and the call to spawn (`spawn NAME: CALL`)");
                }
                StepKind::Spawn { name, call: Box::new(self.call()?) }
            }
            Some("join") => {
                self.next();
                StepKind::Join(self.user_name("the name of a spawned call")?)
            }
            Some(_) => StepKind::Call(Box::new(self.call()?)),
            None if self.peek().tok == Tok::Punct('@') => StepKind::Call(Box::new(self.call()?)),
            None => {
                return self.expected(
                    "a call, `case`, `process`, `memory`, `invariants`, `spawn` or `join`",
                )
            }
        };
        self.end_of_line()?;
        case.steps.push(Step { pos, kind });
        Ok(())
    }

    /// `memory SIZE` or `pager_timeout NS`: each once, before the case's first step.
    fn setting(&mut self, case: &mut Case, which: Setting) -> PResult<()> {
        let t = self.next();
        let word = t.tok.describe();
        let already = match which {
            Setting::Memory => case.memory.is_some(),
            Setting::PagerTimeout => case.pager_timeout_ns.is_some(),
        };
        if !case.steps.is_empty() || already {
            return self
                .error(t.pos, format!("{word} must come once, before the case's first step"));
        }
        let expr = self.expr()?;
        let value = const_value(&expr).and_then(|v| u64::try_from(v).ok());
        let Some(value) = value else {
            let what = match which {
                Setting::Memory => "a memory size in bytes",
                Setting::PagerTimeout => "a time in nanoseconds (0 waits for ever)",
            };
            return self.error(expr.pos, format!("expected {what} (a number or constant)"));
        };
        match which {
            Setting::Memory => case.memory = Some(value),
            Setting::PagerTimeout => case.pager_timeout_ns = Some(value),
        }
        self.end_of_line()
    }

    fn call(&mut self) -> PResult<Call> {
        let process = if self.eat_punct('@') {
            Some(self.user_name("a process name after `@`")?)
        } else {
            None
        };
        let pos = self.pos();
        let Some(word) = self.ident_word().map(str::to_string) else {
            return self.expected("a call name");
        };
        let Some(spec) = find_call(&word) else {
            let hint = super::calls::hint(&word, super::calls::CALLS.iter().map(|c| c.name));
            return self.error(pos, format!("unknown call `{word}`{hint}"));
        };
        self.next();
        if let (true, Some(p)) = (spec.kernel, &process) {
            return self
                .error(p.pos, format!("`{word}` asks the kernel, not a process: drop the `@`"));
        }
        let args = self.args(spec)?;
        let mut call =
            Call { process, spec, args, bind: None, status: None, fault: None, checks: Vec::new() };
        self.clauses(&mut call)?;
        Ok(call)
    }

    fn args(&mut self, spec: &'static CallSpec) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        for (i, &(name, ty)) in spec.params.iter().enumerate() {
            let literal = ty == Ty::Packet && self.peek().tok == Tok::Punct('{');
            if at_clause(&self.peek().tok) && !literal {
                let msg = format!(
                    "`{}` takes {}: missing argument {} `{name}`",
                    spec.name,
                    arity(spec),
                    i + 1
                );
                return self.error(self.pos(), msg);
            }
            args.push(match ty {
                Ty::InBytes => Arg::Bytes(self.pattern()?),
                Ty::Packet => Arg::Packet(self.packet()?),
                _ => Arg::Value(self.expr()?),
            });
        }
        Ok(args)
    }

    fn clauses(&mut self, call: &mut Call) -> PResult<()> {
        loop {
            let pos = self.pos();
            match self.peek().tok.clone() {
                Tok::Newline | Tok::Eof => return Ok(()),
                Tok::Arrow => {
                    self.next();
                    let name = self.user_name("a name to bind after `->`")?;
                    self.once(call.bind.is_some(), pos, "->")?;
                    call.bind = Some(name);
                }
                Tok::FatArrow => {
                    self.next();
                    self.once(call.status.is_some(), pos, "=>")?;
                    if self.ident_word() == Some("fault") {
                        let fault_pos = self.pos();
                        self.next();
                        call.status = Some(self.status()?);
                        let at = if self.ident_word() == Some("at") {
                            self.next();
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        call.fault = Some(FaultExpect { pos: fault_pos, at });
                    } else {
                        call.status = Some(self.status()?);
                    }
                }
                Tok::Punct('{') => self.field_checks(call)?,
                tok => match cmp_op(&tok) {
                    Some(op) => {
                        self.next();
                        let rhs = self.result_rhs(call.spec, pos, op)?;
                        call.checks.push(Check { pos, field: None, op, rhs });
                    }
                    None => return self.extra(call.spec),
                },
            }
        }
    }

    fn once(&self, seen: bool, pos: Pos, what: &str) -> PResult<()> {
        if seen {
            return self.error(pos, format!("`{what}` given twice"));
        }
        Ok(())
    }

    fn extra<T>(&self, spec: &CallSpec) -> PResult<T> {
        let t = self.peek();
        if matches!(t.tok, Tok::Ident(_) | Tok::Num(_) | Tok::Str(_)) {
            let msg = format!("too many arguments: `{}` takes {}", spec.name, arity(spec));
            return self.error(t.pos, msg);
        }
        self.expected("`->`, `=>`, `==`, `!=`, `has`, `lacks`, `{` or the end of the line")
    }

    fn status(&mut self) -> PResult<StatusExpect> {
        let pos = self.pos();
        let word = self.ident_word().map(str::to_string);
        let found = word.as_deref().and_then(|w| Some((w, constant(w)?)));
        let status = found.and_then(|(w, v)| {
            let raw = i32::try_from(v).ok()?;
            (status_name(raw) == Some(w)).then_some((raw, status_name(raw)?))
        });
        let Some((raw, name)) = status else {
            return self.expected("a status: `ZX_OK` or a `ZX_ERR_*` name");
        };
        self.next();
        Ok(StatusExpect { pos, name, raw })
    }

    fn result_rhs(&mut self, spec: &CallSpec, pos: Pos, op: CmpOp) -> PResult<Rhs> {
        match spec.ret {
            Ret::Scalar | Ret::Handle => Ok(Rhs::Value(self.expr()?)),
            Ret::Bytes if matches!(op, CmpOp::Eq | CmpOp::Ne) => Ok(Rhs::Bytes(self.pattern()?)),
            Ret::Bytes => self.error(pos, "bytes compare with `==` or `!=` only"),
            Ret::Record(_) => {
                let how = if self.peek().tok == Tok::Punct('{') {
                    format!("drop the `{}`: a record's fields are checked", op.symbol())
                } else {
                    "check its fields".to_string()
                };
                let msg =
                    format!("`{}` returns a record: {how} with {{ field == value }}", spec.name);
                self.error(pos, msg)
            }
            Ret::Unit => self.error(pos, format!("`{}` returns nothing to compare", spec.name)),
        }
    }

    fn field_checks(&mut self, call: &mut Call) -> PResult<()> {
        let open = self.next().pos;
        let Ret::Record(fields) = call.spec.ret else {
            return self
                .error(open, format!("`{}` does not return a record: use `==`", call.spec.name));
        };
        loop {
            while matches!(self.peek().tok, Tok::Newline | Tok::Punct(',')) {
                self.next();
            }
            if self.eat_punct('}') {
                return Ok(());
            }
            if self.peek().tok == Tok::Eof {
                return self.error(open, "unclosed `{`: expected `}`");
            }
            call.checks.push(self.field_check(fields)?);
        }
    }

    fn field_check(&mut self, fields: &[(&str, FieldTy)]) -> PResult<Check> {
        let pos = self.pos();
        let Some(text) = self.ident_word().map(str::to_string) else {
            return self.expected("a field name or `}`");
        };
        let Some(&(_, fty)) = fields.iter().find(|(f, _)| *f == text) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return self.error(
                pos,
                format!("unknown field `{text}`: expected one of {}", names.join(", ")),
            );
        };
        self.next();
        let op_pos = self.pos();
        let Some(op) = cmp_op(&self.peek().tok) else {
            return self.expected("`==`, `!=`, `has` or `lacks`");
        };
        self.next();
        let rhs = match fty {
            FieldTy::Int => Rhs::Value(self.expr()?),
            FieldTy::Name | FieldTy::Bytes if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                Rhs::Bytes(self.pattern()?)
            }
            FieldTy::Ranges if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                Rhs::Ranges(self.range_list()?)
            }
            FieldTy::Name => return self.error(op_pos, "a name compares with `==` or `!=` only"),
            FieldTy::Bytes => return self.error(op_pos, "bytes compare with `==` or `!=` only"),
            FieldTy::Ranges => {
                return self.error(op_pos, "a list of ranges compares with `==` or `!=` only")
            }
        };
        Ok(Check { pos, field: Some(Name { text, pos }), op, rhs })
    }

    /// `ranges := '[' { '(' expr [','] expr [[','] expr] ')' [','] } ']'`: dirty ranges as
    /// `(offset, length)` or `(offset, length, options)`.
    fn range_list(&mut self) -> PResult<Vec<RangeLit>> {
        if !self.eat_punct('[') {
            return self.expected("a list of ranges `[(offset, length, options), ...]`");
        }
        let mut list = Vec::new();
        loop {
            while self.eat_punct(',') {}
            if self.eat_punct(']') {
                return Ok(list);
            }
            let pos = self.pos();
            if !self.eat_punct('(') {
                return self.expected("`(offset, length)`, `(offset, length, options)` or `]`");
            }
            let offset = self.expr()?;
            self.eat_punct(',');
            let length = self.expr()?;
            self.eat_punct(',');
            let options = if self.eat_punct(')') {
                None
            } else {
                let o = self.expr()?;
                if !self.eat_punct(')') {
                    return self.expected("`)`: a range has an offset, a length and options");
                }
                Some(o)
            };
            list.push(RangeLit { pos, offset, length, options });
        }
    }

    /// `packet := '{' { FIELD '=' value [','] } '}'`: each field once; `payload` (bytes) or
    /// the page-request fields that lay out the same bytes, not both.
    fn packet(&mut self) -> PResult<PacketLit> {
        let open = self.pos();
        if !self.eat_punct('{') {
            return self.expected("a packet literal `{ key = ..., payload = ... }`");
        }
        let mut fields: Vec<(Name, Arg)> = Vec::new();
        loop {
            while matches!(self.peek().tok, Tok::Newline | Tok::Punct(',')) {
                self.next();
            }
            if self.eat_punct('}') {
                return Ok(PacketLit { pos: open, fields });
            }
            if self.peek().tok == Tok::Eof {
                return self.error(open, "unclosed `{`: expected `}`");
            }
            let pos = self.pos();
            let Some(text) = self.ident_word().map(str::to_string) else {
                return self.expected("a packet field or `}`");
            };
            let Some(&(_, ty)) = PACKET_LITERAL.iter().find(|(f, _)| *f == text) else {
                let names: Vec<&str> = PACKET_LITERAL.iter().map(|(f, _)| *f).collect();
                return self.error(
                    pos,
                    format!("unknown packet field `{text}`: expected one of {}", names.join(", ")),
                );
            };
            if fields.iter().any(|(n, _)| n.text == text) {
                return self.error(pos, format!("packet field `{text}` given twice"));
            }
            let layout = |f: &str| matches!(f, "command" | "flags" | "offset" | "length");
            let clash = fields.iter().find(|(n, _)| {
                (text == "payload" && layout(&n.text)) || (layout(&text) && n.text == "payload")
            });
            if let Some((other, _)) = clash {
                let msg = format!(
                    "`{text}` and `{}` both set the payload: give `payload` or the page-request fields (command, flags, offset, length), not both",
                    other.text
                );
                return self.error(pos, msg);
            }
            self.next();
            if !self.eat_punct('=') {
                return self.expected(&format!("`=` and a value after `{text}`"));
            }
            let value = match ty {
                Ty::InBytes => Arg::Bytes(self.pattern()?),
                _ => Arg::Value(self.expr()?),
            };
            fields.push((Name { text, pos }, value));
        }
    }

    /// `expr := sum ('|' sum)*`
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        let mut lhs = self.sum()?;
        while self.peek().tok == Tok::Punct('|') {
            self.next();
            let rhs = self.sum()?;
            lhs = binary(BinOp::Or, lhs, rhs);
        }
        Ok(lhs)
    }

    /// `sum := unary (('+' | '-') unary)*`
    fn sum(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        loop {
            let op = match self.peek().tok {
                Tok::Punct('+') => BinOp::Add,
                Tok::Punct('-') => BinOp::Sub,
                _ => return Ok(lhs),
            };
            self.next();
            let rhs = self.unary()?;
            lhs = binary(op, lhs, rhs);
        }
    }

    fn unary(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        if self.eat_punct('-') {
            let inner = self.unary()?;
            return Ok(Expr { pos, kind: ExprKind::Neg(Box::new(inner)) });
        }
        self.atom()
    }

    fn atom(&mut self) -> PResult<Expr> {
        let pos = self.pos();
        match self.peek().tok.clone() {
            Tok::Num(n) => {
                self.next();
                let v = i128::try_from(n).or_else(|_| self.error(pos, "number too large"))?;
                Ok(Expr { pos, kind: ExprKind::Num(v) })
            }
            Tok::Punct('(') => {
                self.next();
                let e = self.expr()?;
                self.expect_punct(')')?;
                Ok(e)
            }
            Tok::Ident(w) => self.word(pos, w),
            _ => self.expected("a number, a constant or a name"),
        }
    }

    fn word(&mut self, pos: Pos, w: String) -> PResult<Expr> {
        if w.starts_with("ZX_") {
            let Some(&(name, v)) = super::calls::CONSTANTS.iter().find(|(n, _)| *n == w) else {
                let names = super::calls::CONSTANTS.iter().map(|(n, _)| *n);
                let hint = super::calls::hint(&w, names);
                return self.error(pos, format!("unknown constant `{w}`{hint}"));
            };
            self.next();
            return Ok(Expr { pos, kind: ExprKind::Const(name, v) });
        }
        if w == "koid" {
            self.next();
            self.expect_punct('(')?;
            let name = self.user_name("a bound handle name")?;
            self.expect_punct(')')?;
            return Ok(Expr { pos, kind: ExprKind::Koid(name) });
        }
        let name = self.user_name("a number, a constant or a name")?;
        Ok(Expr { pos, kind: ExprKind::Binding(name.text) })
    }

    /// `pattern := piece ('+' piece)*`
    pub(crate) fn pattern(&mut self) -> PResult<Pattern> {
        let pos = self.pos();
        let mut pieces = vec![self.piece()?];
        while self.eat_punct('+') {
            pieces.push(self.piece()?);
        }
        Ok(Pattern { pos, pieces })
    }

    fn piece(&mut self) -> PResult<Piece> {
        match self.peek().tok.clone() {
            Tok::Str(s) => {
                self.next();
                Ok(Piece::Str(s))
            }
            Tok::Punct('[') => self.byte_list(),
            Tok::Ident(w) if w == "u32" || w == "u64" => {
                self.next();
                self.expect_punct('(')?;
                let value = self.expr()?;
                self.expect_punct(')')?;
                Ok(Piece::Le { width: if w == "u32" { 4 } else { 8 }, value })
            }
            Tok::Num(_) | Tok::Punct('(') | Tok::Ident(_) => {
                let byte = self.atom()?;
                if !self.eat_punct('*') {
                    return self.expected("`*` and a length (a pattern piece is BYTE*LENGTH)");
                }
                let count = self.atom()?;
                Ok(Piece::Repeat { byte, count })
            }
            _ => self.expected("a byte pattern (BYTE*LENGTH, \"text\", [bytes], u32(v) or u64(v))"),
        }
    }

    fn byte_list(&mut self) -> PResult<Piece> {
        self.next();
        let mut bytes = Vec::new();
        loop {
            while self.eat_punct(',') {}
            if self.eat_punct(']') {
                return Ok(Piece::List(bytes));
            }
            if matches!(self.peek().tok, Tok::Newline | Tok::Eof) {
                return self.expected("a byte or `]`");
            }
            bytes.push(self.atom()?);
        }
    }
}

fn binary(op: BinOp, lhs: Expr, rhs: Expr) -> Expr {
    Expr { pos: lhs.pos, kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)) }
}

fn at_clause(tok: &Tok) -> bool {
    matches!(tok, Tok::Newline | Tok::Eof | Tok::Arrow | Tok::FatArrow | Tok::EqEq | Tok::NotEq)
        || *tok == Tok::Punct('{')
}

fn cmp_op(tok: &Tok) -> Option<CmpOp> {
    match tok {
        Tok::EqEq => Some(CmpOp::Eq),
        Tok::NotEq => Some(CmpOp::Ne),
        Tok::Ident(w) if w == "has" => Some(CmpOp::Has),
        Tok::Ident(w) if w == "lacks" => Some(CmpOp::Lacks),
        _ => None,
    }
}

/// "2 arguments (size, options)"
pub(crate) fn arity(spec: &CallSpec) -> String {
    let names: Vec<&str> = spec.params.iter().map(|(n, _)| *n).collect();
    match names.len() {
        0 => "no arguments".to_string(),
        1 => format!("1 argument ({})", names[0]),
        n => format!("{n} arguments ({})", names.join(", ")),
    }
}

/// The value of an expression that names no binding, if it can be computed.
pub(crate) fn const_value(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Num(v) | ExprKind::Const(_, v) => Some(*v),
        ExprKind::Binding(_) | ExprKind::Koid(_) => None,
        ExprKind::Neg(inner) => const_value(inner)?.checked_neg(),
        ExprKind::Binary(op, a, b) => apply(*op, const_value(a)?, const_value(b)?),
    }
}

/// `a op b`, or `None` on overflow.
pub(crate) fn apply(op: BinOp, a: i128, b: i128) -> Option<i128> {
    match op {
        BinOp::Or => Some(a | b),
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
    }
}
