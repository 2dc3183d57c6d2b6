//! PDF objects back to bytes (ISO 32000-1 §7.3), for the objects an incremental update copies
//! and changes (the catalog, a page, the form) and the ones it adds. What the strict reader
//! parsed is written so that it reads back as the same object: names keep their bytes (`#xx`
//! where needed), literal strings stay literal with their delimiters escaped, reals keep a
//! decimal point (a real `595.0` written `595` would read back as an integer).

use crate::pdf::lexer::{Dict, Object};

/// Appends `object` to `out`.
pub fn write_object(out: &mut Vec<u8>, object: &Object) {
    match object {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Object::Real(f) => out.extend_from_slice(real(*f).as_bytes()),
        Object::String { bytes, hex, .. } => {
            if *hex {
                hex_string(out, bytes);
            } else {
                literal_string(out, bytes);
            }
        }
        Object::Name(name) => write_name(out, name),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dict(dict) => write_dict(out, dict),
        Object::Ref(number, generation) => {
            out.extend_from_slice(format!("{number} {generation} R").as_bytes());
        }
    }
}

/// `<< /Key value … >>`.
pub fn write_dict(out: &mut Vec<u8>, dict: &Dict) {
    out.extend_from_slice(b"<<");
    for (key, value) in &dict.0 {
        out.push(b' ');
        write_name(out, key);
        out.push(b' ');
        write_object(out, value);
    }
    out.extend_from_slice(b" >>");
}

/// A real number in decimal notation, always with a point (Rust's `Display` for `f64` never
/// uses an exponent and gives the shortest text that reads back as the same value).
fn real(value: f64) -> String {
    let value = if value.is_finite() { value } else { 0.0 };
    let text = value.to_string();
    if text.contains('.') {
        text
    } else {
        text + ".0"
    }
}

/// `/Name`, with `#xx` for delimiters, white space, `#` and bytes outside `!`..`~`.
pub fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        let plain = (0x21..=0x7e).contains(&b) && b != b'#' && !crate::pdf::lexer::is_delimiter(b);
        if plain {
            out.push(b);
        } else {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        }
    }
}

/// `( … )`: backslash, parentheses and carriage return escaped (a raw CR would read as LF).
fn literal_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'(');
    for &b in bytes {
        match b {
            b'\\' | b'(' | b')' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

/// `< … >` in lower-case hex.
pub fn hex_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'<');
    out.extend_from_slice(hex::encode(bytes).as_bytes());
    out.push(b'>');
}

/// A text string (ISO 32000-1 §7.9.2.2): printable ASCII as is, anything else as UTF-16BE
/// with its byte order mark, which every reader shows in Vietnamese.
pub fn text_string(text: &str) -> Object {
    let bytes = if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        text.as_bytes().to_vec()
    } else {
        let mut bytes = vec![0xfe, 0xff];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        bytes
    };
    Object::String {
        bytes,
        hex: false,
        span: 0..0,
    }
}

/// A name object.
pub fn name(text: &str) -> Object {
    Object::Name(text.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::lexer::Lexer;

    fn round_trip(text: &str) {
        let object = Lexer::new(text.as_bytes(), 0).object().unwrap();
        let mut out = Vec::new();
        write_object(&mut out, &object);
        let again = Lexer::new(&out, 0).object().unwrap();
        assert!(
            crate::changes::same_object(&object, &again),
            "{text} → {}",
            String::from_utf8_lossy(&out)
        );
    }

    #[test]
    fn objects_read_back_the_same() {
        round_trip("<< /Type /Page /MediaBox [0 0 595.0 842.5] /R 3 0 R /N null /B true >>");
        round_trip("<< /T (a\\(b\\)c\\\\d\\r) /H <00ff10> /A#20B /x >>");
        round_trip("[-1 -0.5 .25 (x) [[]] << >>]");
        round_trip("/F#23#2F#28");
    }

    #[test]
    fn text_strings_are_ascii_or_utf16() {
        let Object::String { bytes, .. } = text_string("Ký số") else {
            panic!()
        };
        assert_eq!(&bytes[..2], &[0xfe, 0xff]);
        assert_eq!(crate::pdf::text_string(&bytes), "Ký số");
        let Object::String { bytes, .. } = text_string("Signature1") else {
            panic!()
        };
        assert_eq!(bytes, b"Signature1");
    }
}
