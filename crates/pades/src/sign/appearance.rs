//! A simple visible stamp: a framed box with a few lines of text, as a Form XObject for the
//! widget's `/AP /N`. It uses the standard Helvetica font (nothing embedded), which has no
//! Vietnamese letters, so the text is written without its diacritics ("Nguyễn Thị Hằng" →
//! "Nguyen Thi Hang"). The Decree 30 stamps with the signature image and full Vietnamese text
//! are rendered by the platform (design §3, "Appearance") and come later.

use super::serialize::name;
use super::{SignError, Stamp};
use crate::pdf::lexer::{Dict, Object};

/// Largest side of a stamp, in points (200 inches: PDF's own limit on a page).
const MAX_SIDE: f64 = 14_400.0;

/// The Form XObject's dictionary (with `/Length`) and its content stream.
pub fn form_xobject(stamp: &Stamp) -> Result<(Dict, Vec<u8>), SignError> {
    let [x1, y1, x2, y2] = stamp.rect;
    let (width, height) = (x2 - x1, y2 - y1);
    let sensible = |v: f64| v.is_finite() && v.abs() <= MAX_SIDE * 10.0;
    if !stamp.rect.iter().all(|v| sensible(*v))
        || !(1.0..=MAX_SIDE).contains(&width)
        || !(1.0..=MAX_SIDE).contains(&height)
        || stamp.lines.len() > 20
    {
        return Err(SignError::Stamp);
    }
    let lines: Vec<String> = stamp.lines.iter().map(|l| ascii_fold(l)).collect();
    let longest = lines.iter().map(String::len).max().unwrap_or(1).max(1) as f64;
    let count = lines.len().max(1) as f64;
    // Helvetica's letters average a little over half the font size.
    let size = (10.0f64)
        .min((height - 6.0) / (count * 1.25))
        .min((width - 6.0) / (longest * 0.55))
        .max(2.0);
    let leading = size * 1.25;
    let mut content = format!(
        "q\n0 0 0.55 RG 0.8 w\n0.4 0.4 {:.2} {:.2} re S\nBT\n/F1 {size:.2} Tf\n0 0 0.55 rg\n{:.2} {:.2} Td\n{leading:.2} TL\n",
        width - 0.8,
        height - 0.8,
        3.0,
        height - 3.0 - size
    )
    .into_bytes();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            content.extend_from_slice(b"T* ");
        }
        content.push(b'(');
        for b in line.bytes() {
            if matches!(b, b'\\' | b'(' | b')') {
                content.push(b'\\');
            }
            content.push(b);
        }
        content.extend_from_slice(b") Tj\n");
    }
    content.extend_from_slice(b"ET\nQ");

    let mut font = Dict::default();
    font.0.push((b"Type".to_vec(), name("Font")));
    font.0.push((b"Subtype".to_vec(), name("Type1")));
    font.0.push((b"BaseFont".to_vec(), name("Helvetica")));
    font.0.push((b"Encoding".to_vec(), name("WinAnsiEncoding")));
    let fonts = Dict(vec![(b"F1".to_vec(), Object::Dict(font))]);
    let resources = Dict(vec![(b"Font".to_vec(), Object::Dict(fonts))]);
    let bbox = [0.0, 0.0, width, height]
        .into_iter()
        .map(Object::Real)
        .collect();
    let dict = Dict(vec![
        (b"Type".to_vec(), name("XObject")),
        (b"Subtype".to_vec(), name("Form")),
        (b"BBox".to_vec(), Object::Array(bbox)),
        (b"Resources".to_vec(), Object::Dict(resources)),
        (b"Length".to_vec(), Object::Int(content.len() as i64)),
    ]);
    Ok((dict, content))
}

/// Vietnamese letters without their marks; other characters outside printable ASCII as `?`.
pub fn ascii_fold(text: &str) -> String {
    const GROUPS: [(&str, char); 14] = [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'),
        ("ÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴ", 'A'),
        ("èéẹẻẽêềếệểễ", 'e'),
        ("ÈÉẸẺẼÊỀẾỆỂỄ", 'E'),
        ("ìíịỉĩ", 'i'),
        ("ÌÍỊỈĨ", 'I'),
        ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠ", 'O'),
        ("ùúụủũưừứựửữ", 'u'),
        ("ÙÚỤỦŨƯỪỨỰỬỮ", 'U'),
        ("ỳýỵỷỹ", 'y'),
        ("ỲÝỴỶỸ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    text.chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                return c;
            }
            GROUPS
                .iter()
                .find(|(letters, _)| letters.contains(c))
                .map_or('?', |(_, base)| *base)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_folds_to_ascii() {
        assert_eq!(
            ascii_fold("Nguyễn Thị Hằng — Đà Nẵng"),
            "Nguyen Thi Hang ? Da Nang"
        );
    }

    #[test]
    fn a_stamp_reads_as_a_form() {
        let stamp = Stamp {
            rect: [300.0, 100.0, 500.0, 160.0],
            lines: vec!["Ký bởi: Nguyễn Thị Hằng".into(), "(Giám đốc)".into()],
        };
        let (dict, content) = form_xobject(&stamp).unwrap();
        assert_eq!(dict.int(b"Length"), Some(content.len() as i64));
        let text = String::from_utf8(content).unwrap();
        assert!(text.contains("(Ky boi: Nguyen Thi Hang) Tj"), "{text}");
        assert!(text.contains("(\\(Giam doc\\)) Tj"), "{text}");
        let bad = Stamp {
            rect: [0.0, 0.0, f64::NAN, 10.0],
            lines: vec![],
        };
        assert!(form_xobject(&bad).is_err());
    }
}
