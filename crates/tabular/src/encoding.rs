//! Text encodings of uploaded CSV files (docs/opendata-design.md §5): a BOM says UTF-8 or
//! UTF-16; valid UTF-8 is UTF-8 (unless it is TCVN3 typed in Unicode with .Vn fonts);
//! anything else is read both as windows-1258 and as TCVN3, and the reading whose words are
//! Vietnamese syllables wins, clearly, or the file is refused. The first MiB decides; the rest
//! is decoded as it streams, and a byte that does not decode stops the check with its line.

use encoding_rs::{DecoderResult, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, WINDOWS_1258};
use serde::{Deserialize, Serialize};
use std::io::{self, Read};
use tinhso_domain::opendata::vietnamese::syllable_share;

/// How much of a file decides its encoding.
pub const SAMPLE_BYTES: usize = 1 << 20;

/// The share of a reading's words that must be syllables for it to be taken.
const TAKEN_SHARE: f64 = 0.85;
/// How far ahead of the other reading the taken one must be.
const AHEAD_BY: f64 = 0.3;

/// The encoding a text file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// Converted to UTF-8 (and NFC).
    Windows1258,
    /// Converted to UTF-8 (and NFC).
    Tcvn3,
    /// Unicode text whose characters are TCVN3 bytes (typed with .VnTime fonts): converted.
    Tcvn3InUnicode,
}

impl TextEncoding {
    /// The name shown in the report.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
            TextEncoding::Windows1258 => "Windows-1258",
            TextEncoding::Tcvn3 => "TCVN3 (ABC)",
            TextEncoding::Tcvn3InUnicode => "TCVN3 gõ bằng phông Unicode (.Vn)",
        }
    }

    /// Whether the text was converted to Unicode by us (the report says so).
    pub fn converted(self) -> bool {
        matches!(
            self,
            TextEncoding::Windows1258 | TextEncoding::Tcvn3 | TextEncoding::Tcvn3InUnicode
        )
    }
}

/// Why a file's encoding is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodingRefusal {
    /// Not UTF-8, windows-1258 or TCVN3 (VNI, for one).
    Unknown,
    /// A byte sequence that does not decode, on this line (1-based).
    Undecodable { line: u64 },
}

/// Decides the encoding from the file's first bytes (up to [`SAMPLE_BYTES`]; `complete`
/// when they are the whole file).
pub fn detect(sample: &[u8], complete: bool) -> Result<TextEncoding, EncodingRefusal> {
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok(TextEncoding::Utf8Bom);
    }
    if sample.starts_with(&[0xFF, 0xFE]) {
        return Ok(TextEncoding::Utf16Le);
    }
    if sample.starts_with(&[0xFE, 0xFF]) {
        return Ok(TextEncoding::Utf16Be);
    }
    match std::str::from_utf8(sample) {
        Ok(text) => return Ok(utf8_or_tcvn3_in_unicode(text)),
        Err(e) if e.error_len().is_none() && !complete => {
            let text = std::str::from_utf8(&sample[..e.valid_up_to()]).unwrap_or_default();
            return Ok(utf8_or_tcvn3_in_unicode(text));
        }
        Err(_) => {}
    }
    if let Some(line) = utf8_with_stray_bytes(sample, complete) {
        return Err(EncodingRefusal::Undecodable { line });
    }
    let cp1258 = share(&decode_windows_1258(sample));
    let tcvn3 = share(&decode_tcvn3(sample));
    match (cp1258, tcvn3) {
        (Some(a), b) if a >= TAKEN_SHARE && a >= b.unwrap_or(0.0) + AHEAD_BY => {
            Ok(TextEncoding::Windows1258)
        }
        (a, Some(b)) if b >= TAKEN_SHARE && b >= a.unwrap_or(0.0) + AHEAD_BY => {
            Ok(TextEncoding::Tcvn3)
        }
        _ => Err(EncodingRefusal::Unknown),
    }
}

/// UTF-8 text with a few bytes that are not (one for every four of its other non-ASCII
/// characters at most): the first such byte's line, so the officer can fix it there.
fn utf8_with_stray_bytes(sample: &[u8], complete: bool) -> Option<u64> {
    let mut rest = sample;
    let mut errors = 0usize;
    let mut non_ascii = 0usize;
    let mut first_error = None;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                non_ascii += text.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, after) = rest.split_at(e.valid_up_to());
                non_ascii += std::str::from_utf8(good)
                    .map_or(0, |t| t.chars().filter(|c| !c.is_ascii()).count());
                let Some(len) = e.error_len() else {
                    if complete {
                        errors += 1;
                        first_error.get_or_insert(sample.len() - after.len());
                    }
                    break;
                };
                errors += 1;
                first_error.get_or_insert(sample.len() - after.len());
                rest = &after[len..];
            }
        }
    }
    let at = first_error?;
    (non_ascii >= 1 && errors * 4 <= non_ascii)
        .then(|| 1 + sample[..at].iter().filter(|&&b| b == b'\n').count() as u64)
}

/// The share of words outside ASCII that are Vietnamese syllables (`None`: no such word).
fn share(text: &str) -> Option<f64> {
    let (words, syllables) = syllable_share(text);
    (words > 0).then(|| syllables as f64 / words as f64)
}

fn utf8_or_tcvn3_in_unicode(text: &str) -> TextEncoding {
    match share(text) {
        Some(s) if s < 0.5 => match tcvn3_in_unicode(text).and_then(|t| share(&t)) {
            Some(t) if t >= TAKEN_SHARE && t >= s + AHEAD_BY => TextEncoding::Tcvn3InUnicode,
            _ => TextEncoding::Utf8,
        },
        _ => TextEncoding::Utf8,
    }
}

/// Whether text cells (of an XLSX sheet, say) are TCVN3 typed in Unicode: the same test as
/// for a CSV file's text.
pub fn is_tcvn3_in_unicode(text: &str) -> bool {
    utf8_or_tcvn3_in_unicode(text) == TextEncoding::Tcvn3InUnicode
}

/// Bytes as windows-1258, composed (encoding_rs gives the tone marks combining).
pub fn decode_windows_1258(bytes: &[u8]) -> String {
    use unicode_normalization::UnicodeNormalization;
    let (text, _, _) = WINDOWS_1258.decode(bytes);
    text.nfc().collect()
}

/// Bytes as TCVN3 (TCVN 5712:1993), composed.
pub fn decode_tcvn3(bytes: &[u8]) -> String {
    use unicode_normalization::UnicodeNormalization;
    let raw: String = bytes.iter().map(|&b| tcvn3_char(b)).collect();
    raw.nfc().collect()
}

/// One TCVN3 byte's character.
pub fn tcvn3_char(b: u8) -> char {
    if b >= 0x80 {
        return HIGH[usize::from(b - 0x80)];
    }
    LOW.iter()
        .find(|(byte, _)| *byte == b)
        .map_or(char::from(b), |(_, c)| *c)
}

/// Text whose characters stand for TCVN3 bytes (as a .VnTime font shows them: Latin-1, or
/// windows-1252 for 0x80–0x9F) converted to Unicode; `None` when a character stands for no
/// byte.
pub fn tcvn3_in_unicode(text: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = u32::from(c);
        let byte = if code < 0x80 || (0xA0..=0xFF).contains(&code) {
            code as u8
        } else {
            windows_1252_byte(c)?
        };
        out.push(tcvn3_char(byte));
    }
    Some(out.nfc().collect())
}

/// The windows-1252 byte 0x80–0x9F that shows as `c` (Latin-1's C1 controls for the rest).
fn windows_1252_byte(c: char) -> Option<u8> {
    (0x80u8..=0x9F).find(|&b| {
        let byte = [b];
        let (text, _) = WINDOWS_1252.decode_without_bom_handling(&byte);
        text.starts_with(c)
    })
}

/// A reader that yields the file as UTF-8, whatever it was in. Errors carry
/// [`EncodingRefusal::Undecodable`] with the line, available from [`Decoding::refusal`].
pub struct Decoding<R> {
    inner: R,
    kind: TextEncoding,
    decoder: Option<encoding_rs::Decoder>,
    input: Vec<u8>,
    input_start: usize,
    input_done: bool,
    output: Vec<u8>,
    output_start: usize,
    lines: u64,
    refusal: Option<EncodingRefusal>,
    bom_skipped: bool,
    finished: bool,
}

impl<R: Read> Decoding<R> {
    pub fn new(inner: R, kind: TextEncoding) -> Self {
        let decoder = match kind {
            TextEncoding::Utf8 | TextEncoding::Utf8Bom | TextEncoding::Tcvn3InUnicode => {
                Some(UTF_8.new_decoder_with_bom_removal())
            }
            TextEncoding::Utf16Le => Some(UTF_16LE.new_decoder_with_bom_removal()),
            TextEncoding::Utf16Be => Some(UTF_16BE.new_decoder_with_bom_removal()),
            TextEncoding::Windows1258 => Some(WINDOWS_1258.new_decoder_without_bom_handling()),
            TextEncoding::Tcvn3 => None,
        };
        Decoding {
            inner,
            kind,
            decoder,
            input: Vec::new(),
            input_start: 0,
            input_done: false,
            output: Vec::new(),
            output_start: 0,
            lines: 1,
            refusal: None,
            bom_skipped: false,
            finished: false,
        }
    }

    /// Why decoding stopped, if it did.
    pub fn refusal(&self) -> Option<&EncodingRefusal> {
        self.refusal.as_ref()
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.input_start >= self.input.len() && !self.input_done {
            self.input.resize(64 * 1024, 0);
            let n = self.inner.read(&mut self.input)?;
            self.input.truncate(n);
            self.input_start = 0;
            if n == 0 {
                self.input_done = true;
            }
        }
        let chunk = &self.input[self.input_start..];
        self.output.clear();
        self.output_start = 0;
        match &mut self.decoder {
            None => {
                // TCVN3: one byte, one character, no state.
                for &b in chunk {
                    let mut buf = [0u8; 4];
                    self.output
                        .extend_from_slice(tcvn3_char(b).encode_utf8(&mut buf).as_bytes());
                }
                self.input_start = self.input.len();
                self.finished = self.input_done;
            }
            Some(decoder) => {
                let room = decoder
                    .max_utf8_buffer_length_without_replacement(chunk.len())
                    .unwrap_or(chunk.len().saturating_mul(3))
                    .max(16);
                self.output.resize(room, 0);
                let last = self.input_done;
                let (result, read, written) =
                    decoder.decode_to_utf8_without_replacement(chunk, &mut self.output, last);
                self.output.truncate(written);
                self.input_start += read;
                if let DecoderResult::Malformed(_, _) = result {
                    let line =
                        self.lines + self.output.iter().filter(|&&b| b == b'\n').count() as u64;
                    self.refusal = Some(EncodingRefusal::Undecodable { line });
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "undecodable"));
                }
                if last && result == DecoderResult::InputEmpty {
                    self.finished = true;
                }
            }
        }
        if !self.bom_skipped && !self.output.is_empty() {
            self.bom_skipped = true;
            if self.kind == TextEncoding::Tcvn3 && self.output.starts_with("\u{FEFF}".as_bytes()) {
                self.output_start = 3;
            }
        }
        self.lines += self.output.iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(())
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.refusal.is_some() {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "undecodable"));
        }
        while self.output_start >= self.output.len() {
            if self.finished {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.output.len() - self.output_start);
        buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
        self.output_start += n;
        Ok(n)
    }
}

/// Bytes 0x80–0xFF read as TCVN3 (generated with `iconv -f TCVN5712-1`; one character each).
const HIGH: [char; 128] = [
    '\u{00C0}', '\u{1EA2}', '\u{00C3}', '\u{00C1}', '\u{1EA0}', '\u{1EB6}', '\u{1EAC}', '\u{00C8}',
    '\u{1EBA}', '\u{1EBC}', '\u{00C9}', '\u{1EB8}', '\u{1EC6}', '\u{00CC}', '\u{1EC8}', '\u{0128}',
    '\u{00CD}', '\u{1ECA}', '\u{00D2}', '\u{1ECE}', '\u{00D5}', '\u{00D3}', '\u{1ECC}', '\u{1ED8}',
    '\u{1EDC}', '\u{1EDE}', '\u{1EE0}', '\u{1EDA}', '\u{1EE2}', '\u{00D9}', '\u{1EE6}', '\u{0168}',
    '\u{00A0}', '\u{0102}', '\u{00C2}', '\u{00CA}', '\u{00D4}', '\u{01A0}', '\u{01AF}', '\u{0110}',
    '\u{0103}', '\u{00E2}', '\u{00EA}', '\u{00F4}', '\u{01A1}', '\u{01B0}', '\u{0111}', '\u{1EB0}',
    '\u{0300}', '\u{0309}', '\u{0303}', '\u{0301}', '\u{0323}', '\u{00E0}', '\u{1EA3}', '\u{00E3}',
    '\u{00E1}', '\u{1EA1}', '\u{1EB2}', '\u{1EB1}', '\u{1EB3}', '\u{1EB5}', '\u{1EAF}', '\u{1EB4}',
    '\u{1EAE}', '\u{1EA6}', '\u{1EA8}', '\u{1EAA}', '\u{1EA4}', '\u{1EC0}', '\u{1EB7}', '\u{1EA7}',
    '\u{1EA9}', '\u{1EAB}', '\u{1EA5}', '\u{1EAD}', '\u{00E8}', '\u{1EC2}', '\u{1EBB}', '\u{1EBD}',
    '\u{00E9}', '\u{1EB9}', '\u{1EC1}', '\u{1EC3}', '\u{1EC5}', '\u{1EBF}', '\u{1EC7}', '\u{00EC}',
    '\u{1EC9}', '\u{1EC4}', '\u{1EBE}', '\u{1ED2}', '\u{0129}', '\u{00ED}', '\u{1ECB}', '\u{00F2}',
    '\u{1ED4}', '\u{1ECF}', '\u{00F5}', '\u{00F3}', '\u{1ECD}', '\u{1ED3}', '\u{1ED5}', '\u{1ED7}',
    '\u{1ED1}', '\u{1ED9}', '\u{1EDD}', '\u{1EDF}', '\u{1EE1}', '\u{1EDB}', '\u{1EE3}', '\u{00F9}',
    '\u{1ED6}', '\u{1EE7}', '\u{0169}', '\u{00FA}', '\u{1EE5}', '\u{1EEB}', '\u{1EED}', '\u{1EEF}',
    '\u{1EE9}', '\u{1EF1}', '\u{1EF3}', '\u{1EF7}', '\u{1EF9}', '\u{00FD}', '\u{1EF5}', '\u{1ED0}',
];
/// VN1's capitals placed among the control bytes (0x09, 0x0A, 0x0D and the rest stay as they are).
const LOW: [(u8, char); 12] = [
    (0x01, '\u{00DA}'),
    (0x02, '\u{1EE4}'),
    (0x04, '\u{1EEA}'),
    (0x05, '\u{1EEC}'),
    (0x06, '\u{1EEE}'),
    (0x11, '\u{1EE8}'),
    (0x12, '\u{1EF0}'),
    (0x13, '\u{1EF2}'),
    (0x14, '\u{1EF6}'),
    (0x15, '\u{1EF8}'),
    (0x16, '\u{00DD}'),
    (0x17, '\u{1EF4}'),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8], kind: TextEncoding) -> Result<String, EncodingRefusal> {
        let mut d = Decoding::new(bytes, kind);
        let mut out = String::new();
        match d.read_to_string(&mut out) {
            Ok(_) => Ok(out),
            Err(_) => Err(d.refusal().cloned().unwrap_or(EncodingRefusal::Unknown)),
        }
    }

    #[test]
    fn the_tcvn3_table_agrees_with_iconv() {
        // Skipped where glibc's iconv lacks the charmap (it is there on Debian).
        let Ok(out) = std::process::Command::new("iconv")
            .args(["-f", "TCVN5712-1", "-t", "UTF-8"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                let bytes: Vec<u8> = (0x80u8..=0xFF).chain(LOW.iter().map(|(b, _)| *b)).collect();
                child.stdin.take().unwrap().write_all(&bytes)?;
                child.wait_with_output()
            })
        else {
            return;
        };
        if !out.status.success() {
            return;
        }
        let ours: String = (0x80u8..=0xFF)
            .chain(LOW.iter().map(|(b, _)| *b))
            .map(tcvn3_char)
            .collect();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), ours);
    }

    #[test]
    fn encodings_are_told_apart() {
        let utf8 = "Tên đơn vị,Số lượng\nTrường Tiểu học Hòa Bình,12\n";
        // windows-1258 bytes of the same text (iconv -t CP1258: tone marks apart).
        let cp1258: Vec<u8> = b"T\xean \xf0\xf5n vi\xf2,S\xf4\xec l\xfd\xf5\xf2ng\nTr\xfd\xf5\xccng Ti\xea\xd2u ho\xf2c Ho\xcca Bi\xccnh,12\n".to_vec();
        // TCVN3 bytes of the same text (iconv -t TCVN5712-1).
        let tcvn3: Vec<u8> = b"T\xaan \xae\xacn v\xde,S\xe8 l\xad\xeeng\nTr\xad\xeang Ti\xd3u h\xe4c H\xdfa B\xd7nh,12\n".to_vec();
        assert_eq!(decode_tcvn3(&tcvn3), utf8);
        assert_eq!(decode_windows_1258(&cp1258), utf8);
        let cases: &[(&[u8], Result<TextEncoding, EncodingRefusal>)] = &[
            (utf8.as_bytes(), Ok(TextEncoding::Utf8)),
            (b"\xEF\xBB\xBFa,b\n", Ok(TextEncoding::Utf8Bom)),
            (b"\xFF\xFEa\0", Ok(TextEncoding::Utf16Le)),
            (b"\xFE\xFF\0a", Ok(TextEncoding::Utf16Be)),
            (&cp1258, Ok(TextEncoding::Windows1258)),
            (&tcvn3, Ok(TextEncoding::Tcvn3)),
            // VNI Windows: "Tieáng Vieät" — neither reading gives syllables.
            (
                b"Tie\xe1ng Vie\xe4t,Ha\xf8 No\xe4i\n",
                Err(EncodingRefusal::Unknown),
            ),
            (b"\xff\xfe\xfd\x80", Ok(TextEncoding::Utf16Le)),
            (b"a\x80\x81\x82b", Err(EncodingRefusal::Unknown)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(&detect(bytes, true), expected, "{bytes:?}");
        }
        // TCVN3 shown by a .VnTime font and saved as Unicode.
        let in_unicode: String = tcvn3.iter().map(|&b| char::from(b)).collect();
        assert_eq!(
            detect(in_unicode.as_bytes(), true),
            Ok(TextEncoding::Tcvn3InUnicode)
        );
        assert_eq!(tcvn3_in_unicode(&in_unicode).unwrap(), utf8);
        assert!(tcvn3_in_unicode("Đ").is_none() || utf8.contains('Đ'));
        // A sample cut inside a character is still UTF-8.
        let cut = &utf8.as_bytes()[..utf8.len() - 20];
        let cut = &cut[..cut.len() - 1];
        assert!(matches!(detect(cut, false), Ok(TextEncoding::Utf8)));
    }

    #[test]
    fn decoding_streams_and_says_the_bad_line() {
        let text = "a,b\nđ,ê\n";
        assert_eq!(read_all(text.as_bytes(), TextEncoding::Utf8).unwrap(), text);
        assert_eq!(
            read_all(b"\xEF\xBB\xBFa\n", TextEncoding::Utf8Bom).unwrap(),
            "a\n"
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a\tđ\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(read_all(&utf16, TextEncoding::Utf16Le).unwrap(), "a\tđ\n");
        assert_eq!(
            read_all(b"a\nb\nc\xff\n", TextEncoding::Utf8),
            Err(EncodingRefusal::Undecodable { line: 3 })
        );
        // A truncated character at the very end.
        assert_eq!(
            read_all(b"a\n\xc4", TextEncoding::Utf8),
            Err(EncodingRefusal::Undecodable { line: 2 })
        );
        // Past one chunk, the line is still right.
        let mut long = "x\n".repeat(70_000).into_bytes();
        long.extend_from_slice(b"\xff");
        assert_eq!(
            read_all(&long, TextEncoding::Utf8),
            Err(EncodingRefusal::Undecodable { line: 70_001 })
        );
        assert_eq!(
            read_all(b"T\xaan", TextEncoding::Tcvn3).unwrap().as_str(),
            "Tên"
        );
    }
}
