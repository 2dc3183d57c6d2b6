//! Storing a dossier's papers: put into the object store before the transaction that records
//! them, removed again if that transaction fails.

use super::store::StoredFile;
use sha2::Digest;
use tinhso_domain::attachment::FilePurpose;
use tinhso_kernel::error::AppError;
use tinhso_kernel::files::IncomingFile;

/// Puts the papers into the object store. Called before the transaction that records them,
/// so a dossier row never points at a missing file; `discard` removes them if it fails.
pub async fn put_all(
    storage: &dyn object_store::ObjectStore,
    dossier_id: &str,
    purpose: FilePurpose,
    files: &[IncomingFile],
) -> Result<Vec<StoredFile>, AppError> {
    let mut stored = Vec::new();
    for f in files {
        let id = uuid::Uuid::now_v7().to_string();
        let storage_key = format!("dossiers/{dossier_id}/{id}");
        if let Err(e) = tinhso_kernel::storage::put(storage, &storage_key, f.bytes.clone()).await {
            discard(storage, &stored).await;
            return Err(AppError::Internal(e));
        }
        stored.push(StoredFile {
            id,
            dossier_id: dossier_id.to_owned(),
            purpose,
            field_key: f.field_key.clone(),
            file_name: f.file_name.clone(),
            media_type: f.media_type.to_owned(),
            size_bytes: f.bytes.len() as i64,
            sha256: hex::encode(sha2::Sha256::digest(&f.bytes)),
            storage_key,
            created_at: tinhso_kernel::time::now_text(),
        });
    }
    Ok(stored)
}

/// Best-effort removal of objects whose transaction did not commit.
pub async fn discard(storage: &dyn object_store::ObjectStore, files: &[StoredFile]) {
    let keys: Vec<&str> = files.iter().map(|f| f.storage_key.as_str()).collect();
    tinhso_kernel::storage::discard(storage, &keys).await;
}
