//! Files sent by users: reading a form sent as multipart (its text fields and its files), each
//! file checked by content (`tinhso_domain::attachment`) before anything is stored. Shared by
//! every module that takes uploads (dossier papers, feedback photos and answers).

use crate::error::{AppError, FieldError};
use axum::extract::Multipart;
use bytes::Bytes;
use std::collections::BTreeMap;
use tinhso_domain::attachment;

/// At most this many papers in one form.
const MAX_FILES: usize = 20;

/// A paper as received, already checked.
#[derive(Debug, Clone)]
pub struct IncomingFile {
    pub field_key: String,
    pub file_name: String,
    pub media_type: &'static str,
    pub bytes: Bytes,
}

/// A form as sent: text fields (last value wins) and papers (`file_<key>` or `file`).
#[derive(Default)]
pub struct FormData {
    pub fields: BTreeMap<String, String>,
    pub files: Vec<IncomingFile>,
    /// Problems with papers, keyed by field, reported next to the field.
    pub file_errors: Vec<FieldError>,
}

impl FormData {
    pub fn text(&self, key: &str) -> &str {
        self.fields.get(key).map(|s| s.trim()).unwrap_or("")
    }
}

pub async fn read(multipart: Multipart) -> Result<FormData, AppError> {
    read_accepting(multipart, &[]).await
}

/// [`read`], each file accepted only if it is one of `accepted` (all the platform's kinds when
/// empty): an appendix must be a PDF, and is told so.
pub async fn read_accepting(
    mut multipart: Multipart,
    accepted: &[attachment::FileKind],
) -> Result<FormData, AppError> {
    let broken = crate::web::multipart_error;
    let mut form = FormData::default();
    while let Some(field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(attachment::clean_file_name);
        let key = name
            .strip_prefix("file_")
            .or((name == "file").then_some("file"));
        match (key, file_name) {
            (Some(key), Some(file_name)) => {
                let key = key.to_owned();
                let bytes = field.bytes().await.map_err(broken)?;
                if bytes.is_empty() {
                    continue; // a file input left empty
                }
                if form.files.len() >= MAX_FILES {
                    return Err(AppError::BadRequest(format!(
                        "Mỗi lần gửi tối đa {MAX_FILES} tệp."
                    )));
                }
                let checked = if accepted.is_empty() {
                    attachment::check(&file_name, &bytes)
                } else {
                    attachment::check_accepting(&file_name, &bytes, accepted)
                };
                match checked {
                    Ok(kind) => form.files.push(IncomingFile {
                        field_key: key,
                        file_name,
                        media_type: kind.media_type(),
                        bytes,
                    }),
                    Err(e) => form.file_errors.push(FieldError::new(&key, e.to_string())),
                }
            }
            _ => {
                let text = field.text().await.map_err(broken)?;
                // As the edge does for URL-encoded forms: PostgreSQL cannot store NUL.
                if text.contains('\0') || name.contains('\0') {
                    return Err(AppError::BadRequest(crate::web::edge::NUL_REFUSED.into()));
                }
                if text.len() > 20_000 {
                    return Err(AppError::validation(&name, "Nội dung quá dài."));
                }
                form.fields.insert(name, text);
            }
        }
    }
    Ok(form)
}
