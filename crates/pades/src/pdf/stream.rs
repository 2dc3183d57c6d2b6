//! Stream data: FlateDecode with PNG predictors (what xref and object streams use), bounded in
//! size (a zip bomb stops at the limit), and the binary rows of an xref stream.

use super::lexer::{Dict, Object};
use super::{Entry, PdfError, Result};
use std::collections::HashMap;
use std::io::Read;

/// The decoded bytes of a stream: no filter, or `/FlateDecode` (optionally with a PNG
/// predictor). Anything else is refused: xref and object streams use nothing else.
pub(super) fn decode(dict: &Dict, data: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let filter = match dict.get(b"Filter") {
        None => None,
        Some(Object::Name(n)) => Some(n.as_slice()),
        Some(Object::Array(items)) if items.len() == 1 => match &items[0] {
            Object::Name(n) => Some(n.as_slice()),
            _ => return Err(PdfError::Structure("/Filter sai")),
        },
        Some(_) => return Err(PdfError::Structure("/Filter không được hỗ trợ")),
    };
    let inflated = match filter {
        None => data.to_vec(),
        Some(b"FlateDecode") => inflate(data, max_bytes)?,
        Some(_) => return Err(PdfError::Structure("/Filter không được hỗ trợ")),
    };
    let params = match dict.get(b"DecodeParms") {
        Some(Object::Dict(d)) => Some(d),
        Some(Object::Array(items)) if items.len() == 1 => items[0].as_dict(),
        _ => None,
    };
    match params.and_then(|p| p.int(b"Predictor")).unwrap_or(1) {
        1 => Ok(inflated),
        10..=15 => {
            let columns = params.and_then(|p| p.int(b"Columns")).unwrap_or(1);
            let columns = usize::try_from(columns)
                .ok()
                .filter(|c| (1..=1 << 16).contains(c))
                .ok_or(PdfError::Structure("/Columns sai"))?;
            unpredict_png(&inflated, columns)
        }
        _ => Err(PdfError::Structure("/Predictor không được hỗ trợ")),
    }
}

fn inflate(data: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(max_bytes as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| PdfError::Structure("dữ liệu nén hỏng"))?;
    if out.len() > max_bytes {
        return Err(PdfError::Limit("stream giải nén quá lớn"));
    }
    Ok(out)
}

/// Undoes PNG row filters (one filter byte per row, one byte per pixel column).
fn unpredict_png(data: &[u8], columns: usize) -> Result<Vec<u8>> {
    let row_len = columns + 1;
    if !data.len().is_multiple_of(row_len) {
        return Err(PdfError::Structure("dữ liệu dự đoán PNG sai"));
    }
    let mut out = Vec::with_capacity(data.len() / row_len * columns);
    let mut previous = vec![0u8; columns];
    for row in data.chunks_exact(row_len) {
        let (filter, raw) = (row[0], &row[1..]);
        let mut current = vec![0u8; columns];
        for i in 0..columns {
            let left = if i > 0 { current[i - 1] } else { 0 };
            let up = previous[i];
            let up_left = if i > 0 { previous[i - 1] } else { 0 };
            let predicted = match filter {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                _ => return Err(PdfError::Structure("bộ lọc PNG sai")),
            };
            current[i] = raw[i].wrapping_add(predicted);
        }
        out.extend_from_slice(&current);
        previous = current;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// The entries of a decoded xref stream (`/W`, `/Index`, `/Size`).
pub(super) fn xref_entries(dict: &Dict, data: &[u8]) -> Result<HashMap<u32, Entry>> {
    let widths = int_array(dict.get(b"W")).ok_or(PdfError::Structure("/W sai"))?;
    let [w0, w1, w2] = widths[..] else {
        return Err(PdfError::Structure("/W sai"));
    };
    let width = |w: i64| usize::try_from(w).ok().filter(|w| *w <= 8);
    let (Some(w0), Some(w1), Some(w2)) = (width(w0), width(w1), width(w2)) else {
        return Err(PdfError::Structure("/W sai"));
    };
    let row = w0 + w1 + w2;
    if row == 0 {
        return Err(PdfError::Structure("/W sai"));
    }
    let size = dict
        .int(b"Size")
        .ok_or(PdfError::Structure("thiếu /Size"))?;
    let index = match dict.get(b"Index") {
        None => vec![0, size],
        some => int_array(some).ok_or(PdfError::Structure("/Index sai"))?,
    };
    if index.len() % 2 != 0 {
        return Err(PdfError::Structure("/Index sai"));
    }
    let mut entries = HashMap::new();
    let mut rows = data.chunks_exact(row);
    for pair in index.chunks(2) {
        let (Ok(first), Ok(count)) = (u32::try_from(pair[0]), usize::try_from(pair[1])) else {
            return Err(PdfError::Structure("/Index sai"));
        };
        if count > data.len() / row {
            return Err(PdfError::Structure("/Index vượt quá dữ liệu"));
        }
        for i in 0..count {
            let bytes = rows
                .next()
                .ok_or(PdfError::Structure("xref stream thiếu dòng"))?;
            let number = first
                .checked_add(i as u32)
                .ok_or(PdfError::Structure("số đối tượng quá lớn"))?;
            let field = |from: usize, len: usize| {
                bytes[from..from + len]
                    .iter()
                    .fold(0u64, |n, b| (n << 8) | u64::from(*b))
            };
            let kind = if w0 == 0 { 1 } else { field(0, w0) };
            let (a, b) = (field(w0, w1), field(w0 + w1, w2));
            let entry = match kind {
                0 => Entry::Free,
                1 => Entry::InUse {
                    offset: usize::try_from(a).unwrap_or(usize::MAX),
                    generation: u16::try_from(b).unwrap_or(u16::MAX),
                },
                2 => Entry::Compressed {
                    stream: u32::try_from(a).map_err(|_| PdfError::Structure("xref stream sai"))?,
                    index: usize::try_from(b).unwrap_or(usize::MAX),
                },
                _ => continue, // reserved types are to be ignored (ISO 32000-1 §7.5.8.3)
            };
            entries.insert(number, entry);
        }
    }
    Ok(entries)
}

fn int_array(object: Option<&Object>) -> Option<Vec<i64>> {
    match object? {
        Object::Array(items) => items
            .iter()
            .map(|i| match i {
                Object::Int(n) => Some(*n),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}
