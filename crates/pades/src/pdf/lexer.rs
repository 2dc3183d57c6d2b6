//! PDF objects from bytes (ISO 32000-1 §7.2–7.3), strictly: no recovery, bounded nesting,
//! duplicate dictionary keys refused (two `/Contents` could mean two things to two readers).
//! Strings keep their byte span in the file, so a signature's `/Contents` token can be matched
//! against the gap its `/ByteRange` leaves.

use std::ops::Range;

/// Arrays and dictionaries nested deeper than this are refused.
const MAX_NESTING: usize = 32;

#[derive(Clone, Debug, PartialEq)]
pub enum Object {
    Null,
    Bool(bool),
    Int(i64),
    Real(f64),
    /// A literal `( )` or hex `< >` string; `span` covers its delimiters in the buffer read.
    String {
        bytes: Vec<u8>,
        hex: bool,
        span: Range<usize>,
    },
    Name(Vec<u8>),
    Array(Vec<Object>),
    Dict(Dict),
    Ref(u32, u16),
}

/// A dictionary's entries in file order (keys are unique).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dict(pub Vec<(Vec<u8>, Object)>);

impl Dict {
    pub fn get(&self, key: &[u8]) -> Option<&Object> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn name(&self, key: &[u8]) -> Option<&[u8]> {
        match self.get(key) {
            Some(Object::Name(n)) => Some(n),
            _ => None,
        }
    }

    pub fn int(&self, key: &[u8]) -> Option<i64> {
        match self.get(key) {
            Some(Object::Int(n)) => Some(*n),
            _ => None,
        }
    }
}

impl Object {
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Object::Dict(d) => Some(d),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} tại byte {at}")]
pub struct SyntaxError {
    pub what: &'static str,
    pub at: usize,
}

pub type Result<T> = std::result::Result<T, SyntaxError>;

pub fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c | 0x00)
}

pub fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_whitespace(b) && !is_delimiter(b)
}

/// A cursor over a buffer (the file, or a decoded object stream).
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Lexer<'a> {
        Lexer { buf, pos }
    }

    pub fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { what, at: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Skips white space and comments.
    pub fn skip_space(&mut self) {
        while let Some(b) = self.peek() {
            if is_whitespace(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Consumes `word` if it comes next as a whole token.
    pub fn keyword(&mut self, word: &[u8]) -> bool {
        self.skip_space();
        let end = self.pos + word.len();
        if self.buf.get(self.pos..end) == Some(word)
            && self.buf.get(end).is_none_or(|b| !is_regular(*b))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    pub fn expect(&mut self, word: &'static [u8], what: &'static str) -> Result<()> {
        if self.keyword(word) {
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// A non-negative integer token, without sign.
    pub fn unsigned(&mut self) -> Option<u64> {
        self.skip_space();
        let start = self.pos;
        let mut value: u64 = 0;
        while let Some(b @ b'0'..=b'9') = self.peek() {
            value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        if self.pos == start || self.peek().is_some_and(is_regular) {
            self.pos = start;
            return None;
        }
        Some(value)
    }

    /// The next object.
    pub fn object(&mut self) -> Result<Object> {
        self.object_at_depth(0)
    }

    fn object_at_depth(&mut self, depth: usize) -> Result<Object> {
        if depth > MAX_NESTING {
            return Err(self.error("lồng nhau quá sâu"));
        }
        self.skip_space();
        let start = self.pos;
        match self.peek().ok_or_else(|| self.error("hết dữ liệu"))? {
            b'/' => self.name().map(Object::Name),
            b'(' => self.literal_string(start),
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Object::Array(items));
                    }
                    items.push(self.object_at_depth(depth + 1)?);
                }
            }
            b'<' if self.buf.get(self.pos + 1) == Some(&b'<') => self.dict(depth).map(Object::Dict),
            b'<' => self.hex_string(start),
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number_or_ref(),
            _ if self.keyword(b"true") => Ok(Object::Bool(true)),
            _ if self.keyword(b"false") => Ok(Object::Bool(false)),
            _ if self.keyword(b"null") => Ok(Object::Null),
            _ => Err(self.error("không phải một đối tượng PDF")),
        }
    }

    /// `<< /Key value … >>`, with unique keys.
    pub fn dict(&mut self, depth: usize) -> Result<Dict> {
        self.skip_space();
        if self.buf.get(self.pos..self.pos + 2) != Some(b"<<") {
            return Err(self.error("thiếu từ điển"));
        }
        self.pos += 2;
        let mut dict = Dict::default();
        loop {
            self.skip_space();
            if self.buf.get(self.pos..self.pos + 2) == Some(b">>") {
                self.pos += 2;
                return Ok(dict);
            }
            if self.peek() != Some(b'/') {
                return Err(self.error("khóa từ điển phải là một tên"));
            }
            let key = self.name()?;
            let value = self.object_at_depth(depth + 1)?;
            if dict.get(&key).is_some() {
                return Err(self.error("khóa từ điển lặp lại"));
            }
            dict.0.push((key, value));
        }
    }

    fn name(&mut self) -> Result<Vec<u8>> {
        self.pos += 1; // '/'
        let mut out = Vec::new();
        while let Some(b) = self.peek().filter(|b| is_regular(*b)) {
            self.pos += 1;
            if b == b'#' {
                let hex = self
                    .buf
                    .get(self.pos..self.pos + 2)
                    .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
                    .ok_or_else(|| self.error("mã #xx sai trong tên"))?;
                out.push(hex);
                self.pos += 2;
            } else {
                out.push(b);
            }
        }
        Ok(out)
    }

    fn literal_string(&mut self, start: usize) -> Result<Object> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut open = 1usize;
        loop {
            let b = self.peek().ok_or_else(|| self.error("chuỗi không đóng"))?;
            self.pos += 1;
            match b {
                b'(' => {
                    open += 1;
                    out.push(b);
                }
                b')' => {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => self.escape(&mut out)?,
                _ => out.push(b),
            }
        }
        Ok(Object::String {
            bytes: out,
            hex: false,
            span: start..self.pos,
        })
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let b = self.peek().ok_or_else(|| self.error("chuỗi không đóng"))?;
        self.pos += 1;
        match b {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'0'..=b'7' => {
                let mut value = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'\r' => {
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            b'\n' => {}
            other => out.push(other),
        }
        Ok(())
    }

    fn hex_string(&mut self, start: usize) -> Result<Object> {
        self.pos += 1;
        let mut digits = Vec::new();
        loop {
            let b = self
                .peek()
                .ok_or_else(|| self.error("chuỗi hex không đóng"))?;
            self.pos += 1;
            match b {
                b'>' => break,
                b if b.is_ascii_hexdigit() => digits.push(b),
                b if is_whitespace(b) => {}
                _ => return Err(self.error("ký tự lạ trong chuỗi hex")),
            }
        }
        if digits.len() % 2 == 1 {
            digits.push(b'0');
        }
        let bytes = digits
            .chunks(2)
            .map(|pair| (hex_value(pair[0]) << 4) | hex_value(pair[1]))
            .collect();
        Ok(Object::String {
            bytes,
            hex: true,
            span: start..self.pos,
        })
    }

    /// A number, or `num gen R`.
    fn number_or_ref(&mut self) -> Result<Object> {
        let start = self.pos;
        if let Some(num) = self.unsigned() {
            let after_num = self.pos;
            if let Some(generation) = self.unsigned()
                && self.keyword(b"R")
                && let (Ok(num), Ok(generation)) = (u32::try_from(num), u16::try_from(generation))
            {
                return Ok(Object::Ref(num, generation));
            }
            self.pos = after_num;
            return i64::try_from(num)
                .map(Object::Int)
                .map_err(|_| self.error("số quá lớn"));
        }
        self.pos = start;
        let end = self.buf[start..]
            .iter()
            .position(|b| !is_regular(*b))
            .map_or(self.buf.len(), |n| start + n);
        let text = std::str::from_utf8(&self.buf[start..end]).map_err(|_| self.error("số sai"))?;
        self.pos = end;
        if let Ok(n) = text.parse::<i64>() {
            return Ok(Object::Int(n));
        }
        text.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && !text.contains(['e', 'E', 'i', 'n', 'I', 'N']))
            .map(Object::Real)
            .ok_or(SyntaxError {
                what: "số sai",
                at: start,
            })
    }
}

fn hex_value(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        _ => d - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Object> {
        Lexer::new(text.as_bytes(), 0).object()
    }

    #[test]
    fn reads_the_object_kinds() {
        let text = "<< /Type /Sig /ByteRange [0 10 20 30] /Contents <0a0B 0> /M (D:2026\\(x\\)) /R 3 0 R /F -1.5 /N null >>";
        let Object::Dict(d) = parse(text).unwrap() else {
            panic!()
        };
        assert_eq!(d.name(b"Type"), Some(&b"Sig"[..]));
        assert_eq!(
            d.get(b"ByteRange"),
            Some(&Object::Array(vec![
                Object::Int(0),
                Object::Int(10),
                Object::Int(20),
                Object::Int(30)
            ]))
        );
        let Some(Object::String { bytes, hex, span }) = d.get(b"Contents") else {
            panic!()
        };
        assert_eq!((bytes.as_slice(), *hex), (&[0x0a, 0x0b, 0x00][..], true));
        let at = text.find("<0a0B").unwrap();
        assert_eq!(span.clone(), at..at + 8);
        assert!(matches!(d.get(b"M"), Some(Object::String { bytes, .. }) if bytes == b"D:2026(x)"));
        assert_eq!(d.get(b"R"), Some(&Object::Ref(3, 0)));
        assert_eq!(d.get(b"F"), Some(&Object::Real(-1.5)));
        assert_eq!(d.get(b"N"), Some(&Object::Null));
    }

    #[test]
    fn refuses_duplicates_depth_and_junk() {
        assert!(parse("<< /A 1 /A 2 >>").is_err());
        assert!(parse(&"[".repeat(100)).is_err());
        assert!(parse("<< /A <zz> >>").is_err());
        assert!(parse("(open").is_err());
        assert!(parse("1e999").is_err());
    }
}
