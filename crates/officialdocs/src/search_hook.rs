//! Where the documents module tells the search service that a document's text changed.

use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// Called in the transaction that stored new text for `document_id` (a version read at
/// upload, an OCR job done, a delivered copy): indexes the document again with its text, so
/// that the index and the text commit together.
pub async fn text_ready(tx: &mut Conn, document_id: &str) -> Result<(), AppError> {
    crate::search::reindex(tx, document_id, None).await
}
