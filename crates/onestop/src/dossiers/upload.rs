//! Storing a dossier's papers: put into the object store (`kernel::storage::put_all`) before the
//! transaction that records them, removed again if that transaction fails.

use super::store::StoredFile;
use tinhso_domain::attachment::FilePurpose;
use tinhso_kernel::error::AppError;
use tinhso_kernel::files::IncomingFile;

/// Puts the papers into the object store, as rows of the dossier to record. Called before the
/// transaction that records them, so a dossier row never points at a missing file; `discard`
/// removes them if it fails.
pub async fn put_all(
    storage: &dyn object_store::ObjectStore,
    dossier_id: &str,
    purpose: FilePurpose,
    files: &[IncomingFile],
) -> Result<Vec<StoredFile>, AppError> {
    let prefix = format!("dossiers/{dossier_id}");
    let stored = tinhso_kernel::storage::put_all(storage, &prefix, files).await?;
    let created_at = tinhso_kernel::time::now_text();
    Ok(stored
        .into_iter()
        .zip(files)
        .map(|(s, f)| StoredFile {
            id: s.id,
            dossier_id: dossier_id.to_owned(),
            purpose,
            field_key: f.field_key.clone(),
            file_name: s.file_name,
            media_type: s.media_type,
            size_bytes: s.size_bytes,
            sha256: s.sha256,
            storage_key: s.key,
            created_at: created_at.clone(),
        })
        .collect())
}

/// Best-effort removal of objects whose transaction did not commit.
pub async fn discard(storage: &dyn object_store::ObjectStore, files: &[StoredFile]) {
    let keys: Vec<&str> = files.iter().map(|f| f.storage_key.as_str()).collect();
    tinhso_kernel::storage::discard(storage, &keys).await;
}
