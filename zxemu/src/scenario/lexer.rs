//! Tokens of the scenario language, each with the line and column where it starts.

use super::ast::Pos;
use super::error::ParseError;

/// One token of a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A name: a call, a constant, a binding, a keyword or a field.
    Ident(String),
    /// A number with its unit already applied (`3P` is 12288).
    Num(u128),
    /// A double-quoted string with its escapes resolved.
    Str(Vec<u8>),
    /// `->`
    Arrow,
    /// `=>`
    FatArrow,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// One of `| + - * ( ) { } [ ] , @ : =`.
    Punct(char),
    /// The end of a line.
    Newline,
    /// The end of the file.
    Eof,
}

impl Tok {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Arrow => "`->`".to_string(),
            Tok::FatArrow => "`=>`".to_string(),
            Tok::EqEq => "`==`".to_string(),
            Tok::NotEq => "`!=`".to_string(),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Newline => "the end of the line".to_string(),
            Tok::Eof => "the end of the file".to_string(),
        }
    }
}

/// A token and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Where it starts.
    pub pos: Pos,
}

/// Splits `src` into tokens; `#` starts a comment that runs to the end of the line.
///
/// ```
/// use zxemu::scenario::lexer::{tokenize, Tok};
/// let toks = tokenize("t.zxs", "vmo_create 2P 0 -> a").unwrap();
/// assert_eq!(toks[1].tok, Tok::Num(8192));
/// ```
pub fn tokenize(file: &str, src: &str) -> Result<Vec<Token>, ParseError> {
    tokenize_all(file, src).map_err(|mut errors| errors.swap_remove(0))
}

/// Like [`tokenize`], but gives every lexical error of the file (at most one a line: the rest of
/// a line is skipped after its error).
///
/// ```
/// use zxemu::scenario::lexer::tokenize_all;
/// let errors = tokenize_all("t.zxs", "vmo_create 4k 0\nvmo_get_size ~\n").unwrap_err();
/// assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2]);
/// ```
pub fn tokenize_all(file: &str, src: &str) -> Result<Vec<Token>, Vec<ParseError>> {
    match tokenize_lossy(file, src) {
        (toks, errors) if errors.is_empty() => Ok(toks),
        (_, errors) => Err(errors),
    }
}

/// The tokens of every line without a lexical error, and the errors.
pub(crate) fn tokenize_lossy(file: &str, src: &str) -> (Vec<Token>, Vec<ParseError>) {
    Lexer { file, chars: src.chars().collect(), i: 0, line: 1, col: 1 }.run()
}

struct Lexer<'a> {
    file: &'a str,
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Lexer<'_> {
    fn run(mut self) -> (Vec<Token>, Vec<ParseError>) {
        let mut out: Vec<Token> = Vec::new();
        let mut errors = Vec::new();
        while let Some(c) = self.peek(0) {
            let pos = self.pos();
            match c {
                ' ' | '\t' | '\r' => self.bump(),
                '#' => self.skip_comment(),
                '\n' => {
                    self.bump();
                    out.push(Token { tok: Tok::Newline, pos });
                }
                _ => match self.token(c) {
                    Ok(tok) => out.push(Token { tok, pos }),
                    Err(e) => {
                        // Drop the whole line, so the parser does not report it again.
                        errors.push(e);
                        while out.last().is_some_and(|t| t.tok != Tok::Newline) {
                            out.pop();
                        }
                        self.skip_comment();
                    }
                },
            }
        }
        out.push(Token { tok: Tok::Newline, pos: self.pos() });
        out.push(Token { tok: Tok::Eof, pos: self.pos() });
        (out, errors)
    }

    fn token(&mut self, c: char) -> Result<Tok, ParseError> {
        match c {
            'a'..='z' | 'A'..='Z' | '_' => Ok(self.ident()),
            '0'..='9' => self.number(),
            '"' => self.string(),
            _ => self.punct(c),
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn pos(&self) -> Pos {
        Pos { line: self.line, col: self.col }
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek(0) {
            self.i += 1;
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> ParseError {
        ParseError::new(self.file, pos, message)
    }

    fn skip_comment(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|&c| f(c)) {
            s.push(c);
            self.bump();
        }
        s
    }

    fn ident(&mut self) -> Tok {
        Tok::Ident(self.take_while(|c| c.is_ascii_alphanumeric() || c == '_'))
    }

    fn number(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos();
        let hex = self.peek(0) == Some('0') && matches!(self.peek(1), Some('x' | 'X'));
        let (radix, digits) = if hex {
            self.bump();
            self.bump();
            (16, self.take_while(|c| c.is_ascii_hexdigit() || c == '_'))
        } else {
            (10, self.take_while(|c| c.is_ascii_digit() || c == '_'))
        };
        let clean: String = digits.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() {
            return Err(self.error(start, "expected hex digits after `0x`"));
        }
        let value = u128::from_str_radix(&clean, radix)
            .map_err(|_| self.error(start, "number too large"))?;
        let unit_pos = self.pos();
        let unit = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_');
        let scale = unit_scale(&unit).ok_or_else(|| {
            self.error(unit_pos, format!("unknown unit `{unit}`: expected P (pages), K, M or G"))
        })?;
        value.checked_mul(scale).map(Tok::Num).ok_or_else(|| self.error(start, "number too large"))
    }

    fn string(&mut self) -> Result<Tok, ParseError> {
        let start = self.pos();
        self.bump();
        let mut bytes = Vec::new();
        loop {
            let pos = self.pos();
            match self.peek(0) {
                None | Some('\n') => return Err(self.error(start, "unterminated string")),
                Some('"') => {
                    self.bump();
                    return Ok(Tok::Str(bytes));
                }
                Some('\\') => {
                    self.bump();
                    bytes.push(self.escape(pos)?);
                }
                Some(c) => {
                    self.bump();
                    let mut buf = [0; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
    }

    fn escape(&mut self, pos: Pos) -> Result<u8, ParseError> {
        let c = self.peek(0);
        self.bump();
        match c {
            Some('n') => Ok(b'\n'),
            Some('t') => Ok(b'\t'),
            Some('0') => Ok(0),
            Some('\\') => Ok(b'\\'),
            Some('"') => Ok(b'"'),
            Some('x') => {
                let hex: String = (0..2).filter_map(|_| self.hex_digit()).collect();
                u8::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 2)
                    .ok_or_else(|| self.error(pos, "expected two hex digits after `\\x`"))
            }
            _ => Err(self.error(pos, "unknown escape: expected \\n \\t \\0 \\\\ \\\" or \\xHH")),
        }
    }

    fn hex_digit(&mut self) -> Option<char> {
        let c = self.peek(0).filter(char::is_ascii_hexdigit)?;
        self.bump();
        Some(c)
    }

    fn punct(&mut self, c: char) -> Result<Tok, ParseError> {
        let pos = self.pos();
        let two = match (c, self.peek(1)) {
            ('-', Some('>')) => Some(Tok::Arrow),
            ('=', Some('>')) => Some(Tok::FatArrow),
            ('=', Some('=')) => Some(Tok::EqEq),
            ('!', Some('=')) => Some(Tok::NotEq),
            _ => None,
        };
        if let Some(tok) = two {
            self.bump();
            self.bump();
            return Ok(tok);
        }
        if "|+-*(){}[],@:=".contains(c) {
            self.bump();
            return Ok(Tok::Punct(c));
        }
        Err(self.error(pos, format!("unexpected character `{c}`")))
    }
}

/// The factor of a size unit: none, `P` (pages of 4096 bytes), `K`, `M` or `G`.
fn unit_scale(unit: &str) -> Option<u128> {
    match unit {
        "" => Some(1),
        "P" => Some(4096),
        "K" => Some(1 << 10),
        "M" => Some(1 << 20),
        "G" => Some(1 << 30),
        _ => None,
    }
}
