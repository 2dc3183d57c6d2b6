//! File storage behind `object_store`: a local folder by default (`data/files`), or an
//! S3-compatible store by configuration, so that files never live only on one app node.

use crate::config::Config;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::sync::Arc;

pub fn open(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let s = &config.storage;
    match s.kind.as_str() {
        "local" => {
            let dir = config.data_dir.join("files");
            std::fs::create_dir_all(&dir)?;
            Ok(Arc::new(LocalFileSystem::new_with_prefix(&dir)?))
        }
        "s3" => {
            anyhow::ensure!(
                !s.bucket.is_empty(),
                "storage.bucket is required for S3 storage"
            );
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(&s.bucket)
                .with_region(&s.region)
                .with_allow_http(s.allow_http);
            if let Some(endpoint) = &s.endpoint {
                builder = builder
                    .with_endpoint(endpoint)
                    .with_virtual_hosted_style_request(false);
            }
            if let (Some(key), Some(secret)) = (&s.access_key_id, &s.secret_access_key) {
                builder = builder
                    .with_access_key_id(key)
                    .with_secret_access_key(secret);
            }
            Ok(Arc::new(builder.build()?))
        }
        other => anyhow::bail!("unknown storage.kind {other:?} (use local or s3)"),
    }
}

/// Stores `bytes` under `key` (e.g. `dossiers/<id>/<file id>`).
pub async fn put(store: &dyn ObjectStore, key: &str, bytes: Bytes) -> anyhow::Result<()> {
    store
        .put(&Path::from(key), PutPayload::from_bytes(bytes))
        .await?;
    Ok(())
}

pub async fn get(store: &dyn ObjectStore, key: &str) -> anyhow::Result<Option<Bytes>> {
    match store.get(&Path::from(key)).await {
        Ok(result) => Ok(Some(result.bytes().await?)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Best-effort removal of objects whose transaction did not commit (or whose sibling upload
/// failed): each failure is logged, since an object nobody refers to is only found again by
/// `tinhso backup --force` pruning.
pub async fn discard(store: &dyn ObjectStore, keys: &[&str]) {
    for key in keys.iter().copied() {
        if let Err(e) = delete(store, key).await {
            tracing::warn!(key = %key, error = %e, "could not remove an orphan upload");
        }
    }
}

pub async fn delete(store: &dyn ObjectStore, key: &str) -> anyhow::Result<()> {
    match store.delete(&Path::from(key)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
