//! Where the documents module tells the search service that a document's text changed.

use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// Called in the transaction that stored new text for `document_id` (a version read at
/// upload, an OCR job done, a delivered copy): the place to (re)index the document with its
/// text, so that the index and the text commit together.
///
/// A no-op for now: the kernel search service (docs/documents-design.md §5) is being built on
/// another branch and is wired in here when both are merged.
pub async fn text_ready(tx: &mut Conn, document_id: &str) -> Result<(), AppError> {
    let _ = (tx, document_id);
    Ok(())
}
