//! A small BER TLV walker, used where the original bytes matter more than the decoded value.
//!
//! der 0.8 sorts a `SET OF` when it decodes one, so re-encoding a foreign `signedAttrs` can
//! change the bytes its signature covers; certificates are hashed (ESS) as they were sent.
//! This walker finds those elements' exact bytes (definite and indefinite lengths, bounded
//! depth); the values themselves are still decoded by der.

use std::ops::Range;

/// Nesting deeper than this is refused (a CMS is about 10 levels deep).
const MAX_DEPTH: usize = 64;

/// One element: where it starts and ends in the buffer, and where its contents are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlv {
    /// The identifier octets' first byte (class, constructed bit, tag number below 31).
    pub tag: u8,
    pub start: usize,
    pub contents: Range<usize>,
    /// One past the last byte, end-of-contents octets included.
    pub end: usize,
    pub indefinite: bool,
}

impl Tlv {
    pub fn bytes<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.start..self.end]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed BER")]
pub struct BerError;

/// Reads the element starting at `at`.
pub fn read(buf: &[u8], at: usize) -> Result<Tlv, BerError> {
    read_at_depth(buf, at, 0)
}

/// The elements inside a constructed element, in order.
pub fn children(buf: &[u8], parent: &Tlv) -> Result<Vec<Tlv>, BerError> {
    let mut out = Vec::new();
    let mut at = parent.contents.start;
    while at < parent.contents.end {
        let child = read(buf, at)?;
        at = child.end;
        out.push(child);
    }
    Ok(out)
}

fn read_at_depth(buf: &[u8], at: usize, depth: usize) -> Result<Tlv, BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError);
    }
    let tag = *buf.get(at).ok_or(BerError)?;
    let mut pos = at + 1;
    if tag & 0x1f == 0x1f {
        // High tag number: base-128 continuation bytes, at most four.
        let mut n = 0;
        loop {
            let b = *buf.get(pos).ok_or(BerError)?;
            pos += 1;
            n += 1;
            if n > 4 {
                return Err(BerError);
            }
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let first = *buf.get(pos).ok_or(BerError)?;
    pos += 1;
    if first == 0x80 {
        if tag & 0x20 == 0 {
            return Err(BerError); // indefinite length only for constructed encodings
        }
        return read_indefinite(buf, tag, at, pos, depth);
    }
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count > 4 {
            return Err(BerError);
        }
        let bytes = buf.get(pos..pos + count).ok_or(BerError)?;
        pos += count;
        bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b))
    };
    let end = pos.checked_add(len).ok_or(BerError)?;
    if end > buf.len() {
        return Err(BerError);
    }
    Ok(Tlv {
        tag,
        start: at,
        contents: pos..end,
        end,
        indefinite: false,
    })
}

fn read_indefinite(
    buf: &[u8],
    tag: u8,
    start: usize,
    contents_start: usize,
    depth: usize,
) -> Result<Tlv, BerError> {
    let mut at = contents_start;
    loop {
        match buf.get(at..at + 2) {
            None => return Err(BerError),
            Some([0, 0]) => {
                return Ok(Tlv {
                    tag,
                    start,
                    contents: contents_start..at,
                    end: at + 2,
                    indefinite: true,
                });
            }
            Some(_) => at = read_at_depth(buf, at, depth + 1)?.end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_definite_and_indefinite_lengths() {
        let definite = [0x30, 0x03, 0x02, 0x01, 0x05];
        let t = read(&definite, 0).unwrap();
        assert_eq!((t.contents.clone(), t.end), (2..5, 5));
        assert_eq!(children(&definite, &t).unwrap().len(), 1);

        let indefinite = [
            0x30, 0x80, 0x31, 0x80, 0x02, 0x01, 0x05, 0, 0, 0x04, 0x00, 0, 0,
        ];
        let t = read(&indefinite, 0).unwrap();
        assert!(t.indefinite);
        assert_eq!(t.end, indefinite.len());
        let kids = children(&indefinite, &t).unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].bytes(&indefinite), &indefinite[2..9]);
    }

    #[test]
    fn refuses_truncation_overlong_lengths_and_depth() {
        assert!(read(&[0x30, 0x05, 0x02], 0).is_err());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1], 0).is_err());
        assert!(read(&[0x02, 0x80, 0, 0], 0).is_err());
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 100).flatten().collect();
        assert!(read(&deep, 0).is_err());
    }
}
