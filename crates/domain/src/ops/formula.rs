//! The index's formula language (docs/operations-design.md §2): one typed expression per
//! indicator, over named sources (`dossier.finished_on_time`), the version's constants
//! (`const.target_5_1`) and `declared` (a value an official entered). A hand-written lexer and
//! Pratt parser, a type check against the sources the modules declare, and an evaluator over
//! `f64` where a value may be empty (`ratio` or `/` by 0, nothing declared): empty propagates
//! and `coalesce` stops it. No variables, loops or user functions, so evaluation is O(nodes).
//!
//! ```text
//! expr := sum (("<" | "<=" | ">" | ">=") sum)?      -- a comparison only as if()'s first argument
//! sum := product (("+" | "-") product)* ;  product := unary (("*" | "/") unary)*
//! unary := "-" unary | atom
//! atom := number | name | ident "(" expr ("," expr)* ")" | "(" expr ")"
//! name := ident ("." ident)+ | "declared"
//! ```

use std::collections::BTreeMap;
use std::fmt;

/// Longest formula, in characters.
pub const MAX_CHARS: usize = 1000;
/// Most nodes in one formula.
pub const MAX_NODES: usize = 200;
/// Deepest nesting.
pub const MAX_DEPTH: usize = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Ratio,
    Min,
    Max,
    Clamp,
    If,
    Step,
    Coalesce,
}

impl Func {
    const ALL: [(&'static str, Func); 7] = [
        ("ratio", Func::Ratio),
        ("min", Func::Min),
        ("max", Func::Max),
        ("clamp", Func::Clamp),
        ("if", Func::If),
        ("step", Func::Step),
        ("coalesce", Func::Coalesce),
    ];

    fn of(name: &str) -> Option<Func> {
        Func::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Func::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("")
    }

    /// Whether `n` arguments fit, and what the message says it wants.
    fn arity(self, n: usize) -> Result<(), &'static str> {
        let ok = match self {
            Func::Ratio => n == 2,
            Func::Clamp | Func::If => n == 3,
            Func::Min | Func::Max | Func::Coalesce => n >= 2,
            Func::Step => n >= 3 && n % 2 == 1,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Func::Ratio => "2",
            Func::Clamp | Func::If => "3",
            Func::Min | Func::Max | Func::Coalesce => "≥ 2",
            Func::Step => "1 + 2k",
        })
    }
}

/// A parsed formula's node, with the byte where it starts.
#[derive(Debug, Clone)]
pub struct Expr {
    pub pos: usize,
    pub kind: ExprKind,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Num(f64),
    /// A source's name, `const.<name>` or `declared`.
    Name(String),
    Neg(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// Structural equality, ignoring positions (parse ∘ print is the identity up to them).
impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        match (&self.kind, &other.kind) {
            (ExprKind::Num(a), ExprKind::Num(b)) => a == b,
            (ExprKind::Name(a), ExprKind::Name(b)) => a == b,
            (ExprKind::Neg(a), ExprKind::Neg(b)) => a == b,
            (ExprKind::Bin(o, a, b), ExprKind::Bin(p, c, d)) => o == p && a == c && b == d,
            (ExprKind::Cmp(o, a, b), ExprKind::Cmp(p, c, d)) => o == p && a == c && b == d,
            (ExprKind::Call(f, a), ExprKind::Call(g, b)) => f == g && a == b,
            _ => false,
        }
    }
}

/// What went wrong, where (a byte offset into the formula).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    pub pos: usize,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    TooLong,
    TooManyNodes,
    TooDeep,
    /// What was found ("end" at the end).
    Unexpected(String),
    /// The name, and the nearest known source if one is close.
    UnknownSource(String, Option<String>),
    UnknownFunction(String),
    UnknownConstant(String),
    /// The function, what it wants, how many it got.
    Arity(&'static str, &'static str, usize),
    BoolWhereNum,
    NumWhereBool,
    DeclaredInMeasured,
    /// `step`'s thresholds must be numbers, ascending.
    Thresholds,
}

impl FormulaError {
    fn new(pos: usize, kind: ErrorKind) -> FormulaError {
        FormulaError { pos, kind }
    }

    /// The message in English.
    pub fn en(&self) -> String {
        let at = self.pos;
        match &self.kind {
            ErrorKind::TooLong => format!("the formula is longer than {MAX_CHARS} characters"),
            ErrorKind::TooManyNodes => format!("at {at}: more than {MAX_NODES} terms"),
            ErrorKind::TooDeep => format!("at {at}: nested deeper than {MAX_DEPTH}"),
            ErrorKind::Unexpected(t) => format!("at {at}: unexpected {t}"),
            ErrorKind::UnknownSource(n, near) => match near {
                Some(m) => format!("at {at}: unknown source {n} (did you mean {m}?)"),
                None => format!("at {at}: unknown source {n}"),
            },
            ErrorKind::UnknownFunction(n) => format!("at {at}: unknown function {n}"),
            ErrorKind::UnknownConstant(n) => format!("at {at}: unknown constant const.{n}"),
            ErrorKind::Arity(f, want, got) => {
                format!("at {at}: {f}() takes {want} arguments, not {got}")
            }
            ErrorKind::BoolWhereNum => {
                format!(
                    "at {at}: a comparison where a number is needed (only if()'s first argument compares)"
                )
            }
            ErrorKind::NumWhereBool => format!("at {at}: a number where a comparison is needed"),
            ErrorKind::DeclaredInMeasured => {
                format!("at {at}: `declared` in an indicator that is measured")
            }
            ErrorKind::Thresholds => {
                format!("at {at}: step()'s thresholds must be numbers in ascending order")
            }
        }
    }

    /// The message in Vietnamese.
    pub fn vi(&self) -> String {
        let at = self.pos;
        match &self.kind {
            ErrorKind::TooLong => format!("Công thức dài quá {MAX_CHARS} ký tự."),
            ErrorKind::TooManyNodes => {
                format!("Vị trí {at}: công thức có quá {MAX_NODES} thành phần.")
            }
            ErrorKind::TooDeep => format!("Vị trí {at}: công thức lồng quá {MAX_DEPTH} cấp."),
            ErrorKind::Unexpected(t) => format!("Vị trí {at}: không mong đợi {t}."),
            ErrorKind::UnknownSource(n, near) => match near {
                Some(m) => format!("Vị trí {at}: không có nguồn số liệu {n} (có phải {m}?)."),
                None => format!("Vị trí {at}: không có nguồn số liệu {n}."),
            },
            ErrorKind::UnknownFunction(n) => format!("Vị trí {at}: không có hàm {n}."),
            ErrorKind::UnknownConstant(n) => format!("Vị trí {at}: không có hằng số const.{n}."),
            ErrorKind::Arity(f, want, got) => {
                format!("Vị trí {at}: hàm {f}() nhận {want} đối số, không phải {got}.")
            }
            ErrorKind::BoolWhereNum => format!(
                "Vị trí {at}: cần một số, không phải một phép so sánh (chỉ đối số đầu của if() được so sánh)."
            ),
            ErrorKind::NumWhereBool => {
                format!("Vị trí {at}: cần một phép so sánh, không phải một số.")
            }
            ErrorKind::DeclaredInMeasured => {
                format!("Vị trí {at}: chỉ số đo tự động không được dùng `declared`.")
            }
            ErrorKind::Thresholds => {
                format!("Vị trí {at}: các ngưỡng của step() phải là số, tăng dần.")
            }
        }
    }
}

impl fmt::Display for FormulaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

impl std::error::Error for FormulaError {}

// ---------------------------------------------------------------- lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    /// `ident ("." ident)*`
    Word(String),
    Op(&'static str),
    End,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::End => "end".to_owned(),
    }
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, FormulaError> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i < b.len() && b[i] == b'.' {
                i += 1;
                let frac = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == frac {
                    return Err(FormulaError::new(i, ErrorKind::Unexpected("`.`".into())));
                }
            }
            let n: f64 = src[start..i].parse().expect("digits parse");
            out.push((start, Tok::Num(n)));
            continue;
        }
        if c.is_ascii_lowercase() || c == b'_' {
            loop {
                while i < b.len()
                    && (b[i].is_ascii_lowercase() || b[i].is_ascii_digit() || b[i] == b'_')
                {
                    i += 1;
                }
                // A dot continues a name only when an identifier follows.
                if i + 1 < b.len()
                    && b[i] == b'.'
                    && (b[i + 1].is_ascii_lowercase() || b[i + 1] == b'_')
                {
                    i += 1;
                    continue;
                }
                break;
            }
            out.push((start, Tok::Word(src[start..i].to_owned())));
            continue;
        }
        let two = if i + 1 < b.len() { &src[i..i + 2] } else { "" };
        let op: &'static str = match (c, two) {
            (_, "<=") => "<=",
            (_, ">=") => ">=",
            (b'<', _) => "<",
            (b'>', _) => ">",
            (b'+', _) => "+",
            (b'-', _) => "-",
            (b'*', _) => "*",
            (b'/', _) => "/",
            (b'(', _) => "(",
            (b')', _) => ")",
            (b',', _) => ",",
            _ => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(FormulaError::new(
                    i,
                    ErrorKind::Unexpected(format!("`{ch}`")),
                ));
            }
        };
        i += op.len();
        out.push((start, Tok::Op(op)));
    }
    out.push((src.len(), Tok::End));
    Ok(out)
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    nodes: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].1
    }

    fn pos(&self) -> usize {
        self.toks[self.at].0
    }

    fn next(&mut self) -> (usize, Tok) {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn unexpected(&self) -> FormulaError {
        FormulaError::new(self.pos(), ErrorKind::Unexpected(describe(self.peek())))
    }

    fn node(&mut self, pos: usize, kind: ExprKind) -> Result<Expr, FormulaError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(FormulaError::new(pos, ErrorKind::TooManyNodes));
        }
        Ok(Expr { pos, kind })
    }

    fn expect(&mut self, op: &'static str) -> Result<(), FormulaError> {
        if *self.peek() == Tok::Op(op) {
            self.next();
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError::new(self.pos(), ErrorKind::TooDeep));
        }
        let left = self.binary(0, depth)?;
        let op = match self.peek() {
            Tok::Op("<") => CmpOp::Lt,
            Tok::Op("<=") => CmpOp::Le,
            Tok::Op(">") => CmpOp::Gt,
            Tok::Op(">=") => CmpOp::Ge,
            _ => return Ok(left),
        };
        self.next();
        let right = self.binary(0, depth + 1)?;
        let pos = left.pos;
        self.node(pos, ExprKind::Cmp(op, Box::new(left), Box::new(right)))
    }

    /// Pratt loop over `+ -` (binding 1) and `* /` (binding 2), all left-associative.
    fn binary(&mut self, min: u8, depth: usize) -> Result<Expr, FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError::new(self.pos(), ErrorKind::TooDeep));
        }
        let mut left = self.unary(depth + 1)?;
        loop {
            let (op, power) = match self.peek() {
                Tok::Op("+") => (BinOp::Add, 1),
                Tok::Op("-") => (BinOp::Sub, 1),
                Tok::Op("*") => (BinOp::Mul, 2),
                Tok::Op("/") => (BinOp::Div, 2),
                _ => return Ok(left),
            };
            if power <= min {
                return Ok(left);
            }
            self.next();
            let right = self.binary(power, depth + 1)?;
            let pos = left.pos;
            left = self.node(pos, ExprKind::Bin(op, Box::new(left), Box::new(right)))?;
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, FormulaError> {
        if depth > MAX_DEPTH {
            return Err(FormulaError::new(self.pos(), ErrorKind::TooDeep));
        }
        let (pos, tok) = self.next();
        match tok {
            Tok::Op("-") => {
                let inner = self.unary(depth + 1)?;
                self.node(pos, ExprKind::Neg(Box::new(inner)))
            }
            Tok::Op("(") => {
                let inner = self.expr(depth + 1)?;
                self.expect(")")?;
                Ok(inner)
            }
            Tok::Num(n) => self.node(pos, ExprKind::Num(n)),
            Tok::Word(w) => {
                if *self.peek() == Tok::Op("(") {
                    let Some(f) = Func::of(&w) else {
                        return Err(FormulaError::new(pos, ErrorKind::UnknownFunction(w)));
                    };
                    self.next();
                    let mut args = vec![self.expr(depth + 1)?];
                    while *self.peek() == Tok::Op(",") {
                        self.next();
                        args.push(self.expr(depth + 1)?);
                    }
                    self.expect(")")?;
                    if let Err(want) = f.arity(args.len()) {
                        return Err(FormulaError::new(
                            pos,
                            ErrorKind::Arity(f.name(), want, args.len()),
                        ));
                    }
                    self.node(pos, ExprKind::Call(f, args))
                } else if w.contains('.') || w == "declared" {
                    self.node(pos, ExprKind::Name(w))
                } else {
                    Err(FormulaError::new(
                        pos,
                        ErrorKind::Unexpected(format!("`{w}`")),
                    ))
                }
            }
            other => Err(FormulaError::new(
                pos,
                ErrorKind::Unexpected(describe(&other)),
            )),
        }
    }
}

/// Parses a formula (no type check: see [`check`]).
pub fn parse(src: &str) -> Result<Expr, FormulaError> {
    if src.chars().count() > MAX_CHARS {
        return Err(FormulaError::new(0, ErrorKind::TooLong));
    }
    let mut p = Parser {
        toks: lex(src)?,
        at: 0,
        nodes: 0,
    };
    let e = p.expr(0)?;
    if *p.peek() != Tok::End {
        return Err(p.unexpected());
    }
    Ok(e)
}

// ---------------------------------------------------------------- types

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Num,
    Bool,
}

/// What a formula may name.
pub struct Env<'a> {
    /// The sources the modules declare.
    pub sources: &'a [&'a str],
    /// The version's constants.
    pub constants: &'a BTreeMap<String, f64>,
    /// Whether the indicator is declared (`declared` allowed) rather than measured.
    pub declared: bool,
}

/// Type-checks a formula: every name known, every argument of the right type, `step`'s
/// thresholds ascending numbers; the whole formula is a number.
pub fn check(e: &Expr, env: &Env<'_>) -> Result<(), FormulaError> {
    match ty(e, env)? {
        Ty::Num => Ok(()),
        Ty::Bool => Err(FormulaError::new(e.pos, ErrorKind::BoolWhereNum)),
    }
}

fn num(e: &Expr, env: &Env<'_>) -> Result<(), FormulaError> {
    check(e, env)
}

fn ty(e: &Expr, env: &Env<'_>) -> Result<Ty, FormulaError> {
    match &e.kind {
        ExprKind::Num(_) => Ok(Ty::Num),
        ExprKind::Name(n) => {
            if n == "declared" {
                if env.declared {
                    return Ok(Ty::Num);
                }
                return Err(FormulaError::new(e.pos, ErrorKind::DeclaredInMeasured));
            }
            if let Some(c) = n.strip_prefix("const.") {
                if env.constants.contains_key(c) {
                    return Ok(Ty::Num);
                }
                return Err(FormulaError::new(
                    e.pos,
                    ErrorKind::UnknownConstant(c.to_owned()),
                ));
            }
            if env.sources.contains(&n.as_str()) {
                return Ok(Ty::Num);
            }
            Err(FormulaError::new(
                e.pos,
                ErrorKind::UnknownSource(n.clone(), nearest(n, env.sources)),
            ))
        }
        ExprKind::Neg(a) => num(a, env).map(|()| Ty::Num),
        ExprKind::Bin(_, a, b) | ExprKind::Cmp(_, a, b) => {
            num(a, env)?;
            num(b, env)?;
            Ok(if matches!(e.kind, ExprKind::Cmp(..)) {
                Ty::Bool
            } else {
                Ty::Num
            })
        }
        ExprKind::Call(f, args) => {
            for (i, a) in args.iter().enumerate() {
                if *f == Func::If && i == 0 {
                    if ty(a, env)? != Ty::Bool {
                        return Err(FormulaError::new(a.pos, ErrorKind::NumWhereBool));
                    }
                } else {
                    num(a, env)?;
                }
            }
            if *f == Func::Step {
                let mut last = f64::NEG_INFINITY;
                for t in args[1..].iter().step_by(2) {
                    match constant(t) {
                        Some(v) if v > last => last = v,
                        _ => return Err(FormulaError::new(t.pos, ErrorKind::Thresholds)),
                    }
                }
            }
            Ok(Ty::Num)
        }
    }
}

/// A literal number, possibly negated.
fn constant(e: &Expr) -> Option<f64> {
    match &e.kind {
        ExprKind::Num(n) => Some(*n),
        ExprKind::Neg(a) => constant(a).map(|v| -v),
        _ => None,
    }
}

/// The known source nearest to `name` by edit distance, if within a third of its length.
fn nearest(name: &str, known: &[&str]) -> Option<String> {
    let best = known
        .iter()
        .map(|k| (distance(name, k), *k))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))?;
    (best.0 <= (name.chars().count() / 3).max(2)).then(|| best.1.to_owned())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The names of sources a formula reads, each once, in order.
pub fn sources(e: &Expr) -> Vec<String> {
    fn walk(e: &Expr, out: &mut Vec<String>) {
        match &e.kind {
            ExprKind::Num(_) => {}
            ExprKind::Name(n) => {
                if n != "declared" && !n.starts_with("const.") && !out.contains(n) {
                    out.push(n.clone());
                }
            }
            ExprKind::Neg(a) => walk(a, out),
            ExprKind::Bin(_, a, b) | ExprKind::Cmp(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

// ---------------------------------------------------------------- evaluation

/// The values a formula reads: `None` is empty (no data).
pub trait Values {
    fn source(&self, name: &str) -> Option<f64>;
    fn constant(&self, name: &str) -> Option<f64>;
    fn declared(&self) -> Option<f64>;
}

/// Evaluates a checked formula. `None` is empty; a non-finite intermediate is empty too.
pub fn eval(e: &Expr, v: &dyn Values) -> Option<f64> {
    let r = match &e.kind {
        ExprKind::Num(n) => Some(*n),
        ExprKind::Name(n) => {
            if n == "declared" {
                v.declared()
            } else if let Some(c) = n.strip_prefix("const.") {
                v.constant(c)
            } else {
                v.source(n)
            }
        }
        ExprKind::Neg(a) => eval(a, v).map(|x| -x),
        ExprKind::Bin(op, a, b) => {
            let (x, y) = (eval(a, v)?, eval(b, v)?);
            match op {
                BinOp::Add => Some(x + y),
                BinOp::Sub => Some(x - y),
                BinOp::Mul => Some(x * y),
                BinOp::Div => (y != 0.0).then(|| x / y),
            }
        }
        // A comparison is 1 (true) or 0 (false), read only by if().
        ExprKind::Cmp(op, a, b) => {
            let (x, y) = (eval(a, v)?, eval(b, v)?);
            let t = match op {
                CmpOp::Lt => x < y,
                CmpOp::Le => x <= y,
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
            };
            Some(if t { 1.0 } else { 0.0 })
        }
        ExprKind::Call(f, args) => call(*f, args, v),
    };
    r.filter(|x| x.is_finite())
}

fn call(f: Func, args: &[Expr], v: &dyn Values) -> Option<f64> {
    match f {
        Func::Ratio => {
            let (x, y) = (eval(&args[0], v)?, eval(&args[1], v)?);
            (y != 0.0).then(|| x / y)
        }
        Func::Min | Func::Max => {
            let mut acc = eval(&args[0], v)?;
            for a in &args[1..] {
                let x = eval(a, v)?;
                acc = if f == Func::Min {
                    acc.min(x)
                } else {
                    acc.max(x)
                };
            }
            Some(acc)
        }
        Func::Clamp => {
            let (x, lo, hi) = (eval(&args[0], v)?, eval(&args[1], v)?, eval(&args[2], v)?);
            // Never panics, unlike f64::clamp, when lo > hi: the upper bound wins.
            Some(x.max(lo).min(hi))
        }
        Func::If => {
            if eval(&args[0], v)? != 0.0 {
                eval(&args[1], v)
            } else {
                eval(&args[2], v)
            }
        }
        Func::Step => {
            let x = eval(&args[0], v)?;
            let mut points = 0.0;
            for pair in args[1..].chunks(2) {
                if x >= eval(&pair[0], v)? {
                    points = eval(&pair[1], v)?;
                }
            }
            Some(points)
        }
        Func::Coalesce => args.iter().find_map(|a| eval(a, v)),
    }
}

// ---------------------------------------------------------------- printing

impl fmt::Display for Expr {
    /// The formula in the language itself, with the fewest parentheses that keep its shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        print(self, 0, f)
    }
}

/// `min`: the binding the context needs (0 anywhere, 1 inside a sum's right side or a
/// product's left, 2 inside a product's right side or under a minus sign).
fn print(e: &Expr, min: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match &e.kind {
        ExprKind::Num(n) => write!(f, "{n}"),
        ExprKind::Name(n) => f.write_str(n),
        ExprKind::Neg(a) => {
            f.write_str("-")?;
            print(a, 3, f)
        }
        ExprKind::Bin(op, a, b) => {
            let (power, s) = match op {
                BinOp::Add => (1, " + "),
                BinOp::Sub => (1, " - "),
                BinOp::Mul => (2, " * "),
                BinOp::Div => (2, " / "),
            };
            let paren = power <= min;
            if paren {
                f.write_str("(")?;
            }
            print(a, power - 1, f)?;
            f.write_str(s)?;
            print(b, power, f)?;
            if paren {
                f.write_str(")")?;
            }
            Ok(())
        }
        ExprKind::Cmp(op, a, b) => {
            let s = match op {
                CmpOp::Lt => " < ",
                CmpOp::Le => " <= ",
                CmpOp::Gt => " > ",
                CmpOp::Ge => " >= ",
            };
            let paren = min > 0;
            if paren {
                f.write_str("(")?;
            }
            print(a, 0, f)?;
            f.write_str(s)?;
            print(b, 0, f)?;
            if paren {
                f.write_str(")")?;
            }
            Ok(())
        }
        ExprKind::Call(func, args) => {
            write!(f, "{}(", func.name())?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                print(a, 0, f)?;
            }
            f.write_str(")")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SOURCES: &[&str] = &[
        "dossier.finished",
        "dossier.finished_on_time",
        "feedback.received",
        "feedback.open",
    ];

    fn env(constants: &BTreeMap<String, f64>, declared: bool) -> Env<'_> {
        Env {
            sources: SOURCES,
            constants,
            declared,
        }
    }

    struct Map(BTreeMap<&'static str, Option<f64>>, Option<f64>);

    impl Values for Map {
        fn source(&self, name: &str) -> Option<f64> {
            self.0.get(name).copied().flatten()
        }
        fn constant(&self, name: &str) -> Option<f64> {
            (name == "target").then_some(0.8)
        }
        fn declared(&self) -> Option<f64> {
            self.1
        }
    }

    fn values() -> Map {
        Map(
            BTreeMap::from([
                ("dossier.finished", Some(40.0)),
                ("dossier.finished_on_time", Some(30.0)),
                ("feedback.received", Some(0.0)),
                ("feedback.open", Some(2.0)),
            ]),
            None,
        )
    }

    fn run(src: &str) -> Option<f64> {
        let consts = BTreeMap::from([("target".to_owned(), 0.8)]);
        let e = parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        check(&e, &env(&consts, true)).unwrap_or_else(|e| panic!("{src}: {e}"));
        eval(&e, &values())
    }

    #[test]
    fn evaluation() {
        let cases: &[(&str, Option<f64>)] = &[
            ("1 + 2 * 3", Some(7.0)),
            ("(1 + 2) * 3", Some(9.0)),
            ("10 - 4 - 3", Some(3.0)),
            ("12 / 3 / 2", Some(2.0)),
            ("-2 * -3", Some(6.0)),
            ("--2", Some(2.0)),
            (
                "20 * ratio(dossier.finished_on_time, dossier.finished)",
                Some(15.0),
            ),
            ("ratio(dossier.finished, feedback.received)", None),
            ("1 / 0", None),
            ("1 + ratio(1, 0)", None),
            ("coalesce(ratio(1, 0), 7)", Some(7.0)),
            ("coalesce(declared, 0.5)", Some(0.5)),
            ("declared", None),
            ("clamp(1.7, 0, 1)", Some(1.0)),
            ("clamp(-1, 0, 1)", Some(0.0)),
            ("min(3, 1, 2)", Some(1.0)),
            ("max(3, 1, 2)", Some(3.0)),
            ("if(feedback.open > 1, 5, 6)", Some(5.0)),
            ("if(feedback.open >= 3, 5, 6)", Some(6.0)),
            ("if(1 < 2, 1, 2)", Some(1.0)),
            ("if(2 <= 1, 1, 2)", Some(2.0)),
            ("step(0.75, 0.5, 2, 0.7, 4, 0.9, 6)", Some(4.0)),
            ("step(0.2, 0.5, 2, 0.7, 4)", Some(0.0)),
            ("step(0.9, 0.5, 2, 0.7, 4, 0.9, 6)", Some(6.0)),
            ("step(-1, -2, 1, 0, 2)", Some(1.0)),
            ("const.target * 10", Some(8.0)),
            (
                "6 * clamp(ratio(dossier.finished_on_time, dossier.finished) / const.target, 0, 1)",
                Some(6.0 * 0.9375),
            ),
        ];
        for (src, want) in cases {
            let got = run(src);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9, "{src}: {g} ≠ {w}"),
                _ => assert_eq!(got, *want, "{src}"),
            }
        }
    }

    #[test]
    fn errors_with_their_position() {
        let consts = BTreeMap::from([("target".to_owned(), 0.8)]);
        let long = "1+".repeat(600) + "1";
        let deep = "(".repeat(30) + "1" + &")".repeat(30);
        let many = (0..150).map(|_| "1").collect::<Vec<_>>().join("+");
        let cases: Vec<(&str, bool, usize, ErrorKind)> = vec![
            (
                "20 * ratio(dossier.finished_ontime, dossier.finished)",
                false,
                11,
                ErrorKind::UnknownSource(
                    "dossier.finished_ontime".into(),
                    Some("dossier.finished_on_time".into()),
                ),
            ),
            (
                "nothing.like.this",
                false,
                0,
                ErrorKind::UnknownSource("nothing.like.this".into(), None),
            ),
            (
                "avg(1, 2)",
                false,
                0,
                ErrorKind::UnknownFunction("avg".into()),
            ),
            (
                "const.nope + 1",
                false,
                0,
                ErrorKind::UnknownConstant("nope".into()),
            ),
            ("1 + ratio(1)", false, 4, ErrorKind::Arity("ratio", "2", 1)),
            ("clamp(1, 2)", false, 0, ErrorKind::Arity("clamp", "3", 2)),
            (
                "step(1, 2)",
                false,
                0,
                ErrorKind::Arity("step", "1 + 2k", 2),
            ),
            ("min(1)", false, 0, ErrorKind::Arity("min", "≥ 2", 1)),
            ("1 < 2", false, 0, ErrorKind::BoolWhereNum),
            ("3 * (1 < 2)", false, 5, ErrorKind::BoolWhereNum),
            ("if(1, 2, 3)", false, 3, ErrorKind::NumWhereBool),
            ("if(1 < 2, 1 < 2, 3)", false, 10, ErrorKind::BoolWhereNum),
            (
                "4 * clamp(declared, 0, 1)",
                false,
                10,
                ErrorKind::DeclaredInMeasured,
            ),
            ("step(1, 0.7, 2, 0.5, 4)", false, 16, ErrorKind::Thresholds),
            ("step(1, feedback.open, 2)", false, 8, ErrorKind::Thresholds),
            ("1 +", false, 3, ErrorKind::Unexpected("end".into())),
            ("1 2", false, 2, ErrorKind::Unexpected("number 2".into())),
            ("(1", false, 2, ErrorKind::Unexpected("end".into())),
            ("1 % 2", false, 2, ErrorKind::Unexpected("`%`".into())),
            (
                "dossier",
                false,
                0,
                ErrorKind::Unexpected("`dossier`".into()),
            ),
            ("1.", false, 2, ErrorKind::Unexpected("`.`".into())),
            ("Ratio(1, 2)", false, 0, ErrorKind::Unexpected("`R`".into())),
            (")", false, 0, ErrorKind::Unexpected("`)`".into())),
            (&long, false, 0, ErrorKind::TooLong),
            (&deep, false, 0, ErrorKind::TooDeep),
            (&many, false, 0, ErrorKind::TooManyNodes),
        ];
        for (src, declared, pos, kind) in cases {
            let got = parse(src).and_then(|e| check(&e, &env(&consts, declared)));
            let err = got.expect_err(src);
            if matches!(kind, ErrorKind::TooDeep | ErrorKind::TooManyNodes) {
                assert_eq!(err.kind, kind, "{src}");
            } else {
                assert_eq!((err.pos, &err.kind), (pos, &kind), "{src}");
            }
            assert!(!err.vi().is_empty() && !err.en().is_empty());
        }
    }

    #[test]
    fn printing() {
        for (src, printed) in [
            ("(1+2)*3", "(1 + 2) * 3"),
            ("1-(2-3)", "1 - (2 - 3)"),
            ("(1-2)-3", "1 - 2 - 3"),
            ("1/(2*3)", "1 / (2 * 3)"),
            ("-(1+2)", "-(1 + 2)"),
            ("if((1<2),a.b,0.5)", "if(1 < 2, a.b, 0.5)"),
        ] {
            assert_eq!(parse(src).unwrap().to_string(), printed);
        }
        assert_eq!(
            sources(&parse("ratio(a.b, a.c) + a.b * const.x + declared").unwrap()),
            vec!["a.b", "a.c"]
        );
    }

    fn arb_expr() -> impl Strategy<Value = Expr> {
        let leaf = prop_oneof![
            (0u32..1000)
                .prop_map(|n| f64::from(n) / 4.0)
                .prop_map(ExprKind::Num),
            prop::sample::select(SOURCES).prop_map(|s| ExprKind::Name(s.to_owned())),
            Just(ExprKind::Name("declared".to_owned())),
        ]
        .prop_map(|kind| Expr { pos: 0, kind });
        leaf.prop_recursive(5, 60, 4, |inner| {
            let bin = prop::sample::select(vec![BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div]);
            prop_oneof![
                inner.clone().prop_map(|a| ExprKind::Neg(Box::new(a))),
                (bin, inner.clone(), inner.clone()).prop_map(|(o, a, b)| ExprKind::Bin(
                    o,
                    Box::new(a),
                    Box::new(b)
                )),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ExprKind::Call(Func::Ratio, vec![a, b])),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| ExprKind::Call(Func::Clamp, vec![a, b, c])),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ExprKind::Call(Func::Coalesce, vec![a, b])),
                (inner.clone(), inner.clone(), inner.clone(), inner.clone()).prop_map(
                    |(a, b, c, d)| ExprKind::Call(
                        Func::If,
                        vec![
                            Expr {
                                pos: 0,
                                kind: ExprKind::Cmp(CmpOp::Ge, Box::new(a), Box::new(b))
                            },
                            c,
                            d
                        ]
                    )
                ),
            ]
            .prop_map(|kind| Expr { pos: 0, kind })
        })
    }

    proptest! {
        #[test]
        fn parse_of_print_is_the_identity(e in arb_expr()) {
            let printed = e.to_string();
            let back = parse(&printed).map_err(|err| TestCaseError::fail(format!("{printed}: {err}")))?;
            prop_assert_eq!(&back, &e, "{}", printed);
            let consts = BTreeMap::new();
            prop_assert!(check(&back, &env(&consts, true)).is_ok());
        }

        #[test]
        fn eval_never_panics(e in arb_expr(), vals in prop::collection::vec(prop::option::of(-1e6f64..1e6), 5)) {
            let m = Map(
                SOURCES.iter().copied().zip(vals.iter().copied()).collect(),
                vals[4],
            );
            if let Some(x) = eval(&e, &m) {
                prop_assert!(x.is_finite());
            }
        }

        #[test]
        fn parse_never_panics(s in "[a-z0-9_.()+*/<>=, -]{0,60}") {
            let _ = parse(&s);
        }
    }
}
