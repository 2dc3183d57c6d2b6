//! The text of each version of a document (issue 14 item 5), for search and for reading.
//!
//! A born-digital PDF or DOCX is read at upload, before the transaction that records the
//! version: it takes milliseconds for a typical document (docs/benchmarks.md, "Documents:
//! ingest") and is bounded in size, pages and time (`tinhso_extract::Limits`). A scan — an
//! image, or a PDF whose pages carry no text (or that lopdf cannot read but poppler may) — is
//! read by Tesseract in the job queue ([`OCR`]), never in the request. The row of
//! `document_texts` says which, and why not when it failed; once text is stored the search
//! hook is called in the same transaction.

use crate::store::texts::{self as store, Write};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tinhso_extract::ocr::{OcrConfig, OcrError, ScanKind};
use tinhso_extract::{ExtractError, Extracted, Kind};
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::files::IncomingFile;
use tinhso_kernel::jobs::{self, Job};
use tinhso_kernel::module::{BoxFut, JobKind};

/// The OCR of one version's scan, queued with the version's registration or upload.
pub static OCR: JobKind = JobKind {
    name: "documents.ocr",
    run: run_ocr,
};

/// Attempts of an OCR job before its text is marked failed: the job queue's own limit
/// (`jobs.max_attempts` defaults to 8, backing off 2 s … 256 s, about 8 minutes in all).
const OCR_ATTEMPTS: i64 = 8;

/// What a version's text will be, decided from its file before the transaction.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Read now.
    Text {
        method: &'static str,
        extracted: Extracted,
    },
    /// A scan: queue OCR.
    Ocr,
    /// Nothing can be read from it, and why.
    Failed {
        method: &'static str,
        reason: String,
    },
}

fn method_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Pdf => "pdf",
        Kind::Docx => "docx",
    }
}

/// Reads the text of `file` (off the async threads), or says that it needs OCR.
pub async fn plan(file: &IncomingFile) -> Plan {
    let Some(kind) = Kind::from_media_type(file.media_type) else {
        return match ScanKind::from_media_type(file.media_type) {
            Some(_) => Plan::Ocr,
            None => Plan::Failed {
                method: "ocr",
                reason: format!("no text can be read from {}", file.media_type),
            },
        };
    };
    let bytes = file.bytes.clone();
    let read = tokio::task::spawn_blocking(move || tinhso_extract::extract(&bytes, kind)).await;
    let method = method_of(kind);
    match read {
        Ok(Ok(extracted)) if kind == Kind::Pdf && extracted.is_scan() => Plan::Ocr,
        Ok(Ok(extracted)) => Plan::Text { method, extracted },
        // Poppler reads some PDFs lopdf does not: let the OCR job rasterise it.
        Ok(Err(ExtractError::Unreadable { .. })) if kind == Kind::Pdf => Plan::Ocr,
        Ok(Err(e)) => Plan::Failed {
            method,
            reason: e.to_string(),
        },
        Err(e) => Plan::Failed {
            method,
            reason: format!("text extraction stopped: {e}"),
        },
    }
}

/// Records version `version_no`'s text as planned, in the caller's transaction: the text (and
/// the search hook), a pending row and its OCR job, or the failure.
pub async fn record(
    tx: &mut Conn,
    document_id: &str,
    version_no: i64,
    plan: &Plan,
) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut row = Write {
        document_id,
        version_no,
        method: "ocr",
        status: "pending",
        text: "",
        truncated: false,
        failure_reason: None,
        attempted: 0,
        now: &now,
    };
    match plan {
        Plan::Text { method, extracted } => {
            row.method = method;
            row.status = "done";
            row.text = &extracted.text;
            row.truncated = extracted.truncated;
            store::upsert(tx, &row).await?;
            crate::search_hook::text_ready(tx, document_id).await?;
        }
        Plan::Ocr => {
            store::upsert(tx, &row).await?;
            let payload = json!(OcrPayload {
                document_id: document_id.to_owned(),
                version_no,
            });
            jobs::enqueue(tx, &Job::of(&OCR, payload)).await?;
        }
        Plan::Failed { method, reason } => {
            row.method = method;
            row.status = "failed";
            row.failure_reason = Some(reason);
            store::upsert(tx, &row).await?;
        }
    }
    Ok(())
}

/// Gives a delivered copy (an incoming document pointing to the issued file) the text of the
/// original's version and tells search; while the original still waits for OCR, the copy gets
/// its own OCR job (the same stored file, read for the recipient).
pub async fn copy(tx: &mut Conn, from: (&str, i64), to: (&str, i64)) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    match store::copy(tx, from, to, &now).await?.as_deref() {
        Some("done") => crate::search_hook::text_ready(tx, to.0).await,
        Some("pending" | "retrying") => record(tx, to.0, to.1, &Plan::Ocr).await,
        _ => Ok(()),
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct OcrPayload {
    document_id: String,
    version_no: i64,
}

fn run_ocr(state: &Ctx, payload: serde_json::Value) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let p: OcrPayload = serde_json::from_value(payload)?;
        ocr_version(state, &p.document_id, p.version_no, &OcrConfig::default()).await
    })
}

/// Reads version `version_no` of the document by OCR and stores its text. A file that cannot
/// be read is recorded as failed and the job ends; a machine that cannot read it (Tesseract or
/// its Vietnamese data missing, a timeout) is recorded with the reason and the job fails, to
/// be tried again later by the queue, up to [`OCR_ATTEMPTS`].
pub async fn ocr_version(
    state: &Ctx,
    document_id: &str,
    version_no: i64,
    config: &OcrConfig,
) -> anyhow::Result<()> {
    let Some((key, media_type)) = store::version_file(&state.db, document_id, version_no).await?
    else {
        return Ok(()); // the version is gone: nothing to read
    };
    if store::of_version(&state.db, document_id, version_no)
        .await?
        .is_some_and(|t| t.status == "done")
    {
        return Ok(()); // a run that finished before its outcome was recorded
    }
    let outcome = match (
        tinhso_kernel::storage::get(state.storage.as_ref(), &key).await?,
        ScanKind::from_media_type(&media_type),
    ) {
        (Some(bytes), Some(kind)) => tinhso_extract::ocr::ocr(&bytes, kind, config).await,
        (None, _) => Err(OcrError::Unreadable("the stored file is missing".into())),
        (_, None) => Err(OcrError::Unreadable(format!(
            "a {media_type} file is not a scan"
        ))),
    };
    let attempts = store::of_version(&state.db, document_id, version_no)
        .await?
        .map_or(0, |t| t.attempts)
        + 1;
    let now = tinhso_kernel::time::now_text();
    let mut row = Write {
        document_id,
        version_no,
        method: "ocr",
        status: "done",
        text: "",
        truncated: false,
        failure_reason: None,
        attempted: 1,
        now: &now,
    };
    let mut tx = state.db.begin().await?;
    let result = match &outcome {
        Ok(extracted) => {
            row.text = &extracted.text;
            row.truncated = extracted.truncated;
            store::upsert(&mut tx, &row).await?;
            crate::search_hook::text_ready(&mut tx, document_id).await?;
            Ok(())
        }
        Err(e) => {
            let reason = e.to_string();
            let final_attempt = e.is_permanent() || attempts >= OCR_ATTEMPTS;
            row.status = if final_attempt { "failed" } else { "retrying" };
            row.failure_reason = Some(&reason);
            store::upsert(&mut tx, &row).await?;
            if e.is_permanent() {
                tracing::warn!(document = %document_id, version = version_no, error = %reason, "a scan cannot be read by OCR");
                Ok(())
            } else {
                tracing::error!(document = %document_id, version = version_no, attempts, error = %reason, "OCR failed; the job will be tried again");
                Err(anyhow::anyhow!(
                    "OCR of document {document_id} version {version_no}: {reason}"
                ))
            }
        }
    };
    tx.commit().await?;
    result
}

/// An incoming document's file: a PDF or a DOCX, or — registered from a scan (`Source=scan`)
/// — a JPEG or PNG image of it. The kind was read from the content (magic bytes) when the
/// form was read and checked against the file name.
pub fn check_incoming_file(file: &IncomingFile, source: &str) -> Result<(), AppError> {
    let document = Kind::from_media_type(file.media_type).is_some();
    let image = matches!(file.media_type, "image/jpeg" | "image/png");
    if document || (image && source == "scan") {
        Ok(())
    } else {
        Err(AppError::validation(
            "file",
            "Tệp văn bản phải là PDF hoặc DOCX; văn bản đăng ký từ bản quét (Source=scan) còn có thể là ảnh JPEG hoặc PNG.",
        ))
    }
}
