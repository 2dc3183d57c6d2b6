//! Papers attached to dossiers: the kind of a file is read from its content, never trusted
//! from the name or the browser, and the name must agree with it.

use serde::{Deserialize, Serialize};

text_enum! {
    /// What a stored file is for: the `purpose` column of `dossier_files` and `feedback_files`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum FilePurpose {
        /// A paper of the application (thành phần hồ sơ), uploaded or taken from the store.
        Paper = "paper",
        /// A paper the applicant sent when asked for a supplement.
        Supplement = "supplement",
        /// A result the agency issued.
        Result = "result",
        /// A photo the reporter attached to a feedback report (stored as `report`, the file's
        /// owner, since the first release).
        #[serde(rename = "report")]
        Photo = "report",
        /// A file of the agency's answer to a feedback report.
        Answer = "answer",
        /// An answer file replaced by a later answer: kept, no longer shown.
        SupersededAnswer = "superseded_answer",
    }
}

/// The kinds of paper the one-stop desk accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Docx,
}

impl FileKind {
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileKind::Pdf => &["pdf"],
            FileKind::Jpeg => &["jpg", "jpeg"],
            FileKind::Png => &["png"],
            FileKind::Docx => &["docx"],
        }
    }
}

/// Largest paper accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("Tệp “{0}” trống.")]
    Empty(String),
    #[error("Tệp “{0}” lớn hơn 10 MB.")]
    TooLarge(String),
    #[error("Tệp “{0}” không phải PDF, JPEG, PNG hoặc DOCX.")]
    Forbidden(String),
    #[error("Nội dung tệp “{0}” không khớp với phần mở rộng của tên tệp.")]
    Mismatch(String),
    /// A kind the platform takes, but not where this file goes (an appendix must be a PDF).
    #[error("Tệp “{0}” không phải {1}.")]
    NotAccepted(String, String),
}

/// Reads the kind of `bytes` from its content and checks that `file_name` agrees.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<FileKind, AttachmentError> {
    let name = || file_name.to_owned();
    if bytes.is_empty() {
        return Err(AttachmentError::Empty(name()));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AttachmentError::TooLarge(name()));
    }
    let kind = sniff(bytes).ok_or_else(|| AttachmentError::Forbidden(name()))?;
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(AttachmentError::Mismatch(name()));
    }
    Ok(kind)
}

/// [`check`], accepting only `accepted` (e.g. PDF for an appendix, which is signed later).
pub fn check_accepting(
    file_name: &str,
    bytes: &[u8],
    accepted: &[FileKind],
) -> Result<FileKind, AttachmentError> {
    let kind = check(file_name, bytes).map_err(|e| match e {
        AttachmentError::Forbidden(name) => {
            AttachmentError::NotAccepted(name, kinds_text(accepted))
        }
        other => other,
    })?;
    if accepted.contains(&kind) {
        Ok(kind)
    } else {
        Err(AttachmentError::NotAccepted(
            file_name.to_owned(),
            kinds_text(accepted),
        ))
    }
}

/// `PDF`, `PDF hoặc DOCX`, `PDF, JPEG hoặc PNG`.
fn kinds_text(kinds: &[FileKind]) -> String {
    let names: Vec<&str> = kinds
        .iter()
        .map(|k| match k {
            FileKind::Pdf => "PDF",
            FileKind::Jpeg => "JPEG",
            FileKind::Png => "PNG",
            FileKind::Docx => "DOCX",
        })
        .collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} hoặc {last}", rest.join(", ")),
    }
}

fn sniff(bytes: &[u8]) -> Option<FileKind> {
    if infer::doc::is_docx(bytes) {
        return Some(FileKind::Docx);
    }
    match infer::get(bytes)?.mime_type() {
        "application/pdf" => Some(FileKind::Pdf),
        "image/jpeg" => Some(FileKind::Jpeg),
        "image/png" => Some(FileKind::Png),
        _ => None,
    }
}

/// A file name safe to show and to send back in `Content-Disposition`: no path, no control
/// characters, at most 120 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("tep{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn file_purpose_text_is_its_json() {
        crate::text_enum::assert_text_is_json(&FilePurpose::ALL, FilePurpose::as_str);
    }

    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF";
    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0];

    #[test]
    fn a_place_that_takes_only_pdf_says_so() {
        let pdf = [FileKind::Pdf];
        assert_eq!(check_accepting("phu-luc.pdf", PDF, &pdf), Ok(FileKind::Pdf));
        let png = check_accepting("anh.png", PNG, &pdf).unwrap_err();
        assert_eq!(png.to_string(), "Tệp “anh.png” không phải PDF.");
        let text = check_accepting("ghi-chu.txt", b"hello", &pdf).unwrap_err();
        assert_eq!(text.to_string(), "Tệp “ghi-chu.txt” không phải PDF.");
        assert_eq!(
            check_accepting(
                "a.png",
                PNG,
                &[FileKind::Pdf, FileKind::Jpeg, FileKind::Docx]
            )
            .unwrap_err()
            .to_string(),
            "Tệp “a.png” không phải PDF, JPEG hoặc DOCX."
        );
        // Size and name checks stay the platform's.
        assert!(matches!(
            check_accepting("x.png", PDF, &pdf),
            Err(AttachmentError::Mismatch(_))
        ));
    }

    #[test]
    fn the_kind_comes_from_the_content() {
        assert_eq!(check("giay-to.pdf", PDF), Ok(FileKind::Pdf));
        assert_eq!(check("ANH.PNG", PNG), Ok(FileKind::Png));
        assert_eq!(check("anh.jpeg", JPEG), Ok(FileKind::Jpeg));
        assert_eq!(
            check("giay-to.pdf", PNG),
            Err(AttachmentError::Mismatch("giay-to.pdf".into()))
        );
        assert_eq!(
            check("virus.exe", b"MZ\x90\x00\x03"),
            Err(AttachmentError::Forbidden("virus.exe".into()))
        );
        assert_eq!(
            check("script.pdf", b"<script>alert(1)</script>"),
            Err(AttachmentError::Forbidden("script.pdf".into()))
        );
        assert_eq!(
            check("x.pdf", b""),
            Err(AttachmentError::Empty("x.pdf".into()))
        );
        let big = [PDF, &vec![b' '; MAX_FILE_BYTES]].concat();
        assert_eq!(
            check("x.pdf", &big),
            Err(AttachmentError::TooLarge("x.pdf".into()))
        );
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(clean_file_name("C:\\Users\\a\\đơn xin.pdf"), "đơn xin.pdf");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b;c\n.pdf"), "abc.pdf");
        assert_eq!(clean_file_name(".htaccess"), "tep.htaccess");
        assert_eq!(clean_file_name(""), "tep");
    }

    proptest! {
        #[test]
        fn hostile_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), name in "\\PC{0,30}") {
            let _ = check(&name, &bytes);
            let _ = clean_file_name(&name);
        }
    }
}
