//! File storage behind `object_store`: a local folder by default (`data/files`), or an
//! S3-compatible store by configuration, so that files never live only on one app node.

use crate::config::Config;
use crate::error::AppError;
use crate::files::IncomingFile;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use sha2::{Digest, Sha256};
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

/// An object put in the store for a module's row: what every module records of a file it keeps
/// (the row itself — owner, purpose, date — is the module's own).
#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    /// The file's id, the last part of its key.
    pub id: String,
    /// Where the object is, e.g. `dossiers/<dossier id>/<file id>`: never shown.
    #[serde(skip)]
    pub key: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes stored, in hex.
    pub sha256: String,
}

/// Puts `files` into the store, each under `<prefix>/<new id>`, in their order. Called before
/// the transaction that records them, so a row never points at a missing object: when one put
/// fails, the ones already put are discarded (each failure logged) and the error returned;
/// when the transaction fails, the caller hands them to `discard_files`.
pub async fn put_all(
    store: &dyn ObjectStore,
    prefix: &str,
    files: &[IncomingFile],
) -> Result<Vec<StoredFile>, AppError> {
    let mut stored = Vec::with_capacity(files.len());
    for f in files {
        let id = uuid::Uuid::now_v7().to_string();
        let key = format!("{prefix}/{id}");
        if let Err(e) = put(store, &key, f.bytes.clone()).await {
            discard_files(store, &stored).await;
            return Err(AppError::Internal(e));
        }
        stored.push(StoredFile {
            id,
            key,
            file_name: f.file_name.clone(),
            media_type: f.media_type.to_owned(),
            size_bytes: f.bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&f.bytes)),
        });
    }
    Ok(stored)
}

/// `discard` for files `put_all` stored.
pub async fn discard_files(store: &dyn ObjectStore, files: &[StoredFile]) {
    let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    discard(store, &keys).await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use futures::StreamExt;
    use futures::stream::BoxStream;
    use object_store::memory::InMemory;
    use object_store::{
        CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
        PutMultipartOptions, PutOptions, PutResult,
    };
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn file(name: &str, bytes: &'static [u8]) -> IncomingFile {
        IncomingFile {
            field_key: "f".into(),
            file_name: name.into(),
            media_type: "application/pdf",
            bytes: Bytes::from_static(bytes),
        }
    }

    async fn keys_in(store: &dyn ObjectStore) -> Vec<String> {
        let mut keys: Vec<String> = store
            .list(None)
            .map(|m| m.unwrap().location.to_string())
            .collect()
            .await;
        keys.sort();
        keys
    }

    /// An in-memory store whose puts fail from the `fail_from`-th one on.
    #[derive(Debug)]
    struct Failing {
        inner: InMemory,
        puts: AtomicUsize,
        fail_from: usize,
    }

    impl std::fmt::Display for Failing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Failing")
        }
    }

    #[async_trait]
    impl ObjectStore for Failing {
        async fn put_opts(
            &self,
            location: &Path,
            payload: PutPayload,
            opts: PutOptions,
        ) -> object_store::Result<PutResult> {
            if self.puts.fetch_add(1, Ordering::SeqCst) + 1 >= self.fail_from {
                return Err(object_store::Error::NotImplemented {
                    operation: "put".into(),
                    implementer: "Failing".into(),
                });
            }
            self.inner.put_opts(location, payload, opts).await
        }

        async fn put_multipart_opts(
            &self,
            location: &Path,
            opts: PutMultipartOptions,
        ) -> object_store::Result<Box<dyn MultipartUpload>> {
            self.inner.put_multipart_opts(location, opts).await
        }

        async fn get_opts(
            &self,
            location: &Path,
            options: GetOptions,
        ) -> object_store::Result<GetResult> {
            self.inner.get_opts(location, options).await
        }

        fn delete_stream(
            &self,
            locations: BoxStream<'static, object_store::Result<Path>>,
        ) -> BoxStream<'static, object_store::Result<Path>> {
            self.inner.delete_stream(locations)
        }

        fn list(
            &self,
            prefix: Option<&Path>,
        ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
            self.inner.list(prefix)
        }

        async fn list_with_delimiter(
            &self,
            prefix: Option<&Path>,
        ) -> object_store::Result<ListResult> {
            self.inner.list_with_delimiter(prefix).await
        }

        async fn copy_opts(
            &self,
            from: &Path,
            to: &Path,
            options: CopyOptions,
        ) -> object_store::Result<()> {
            self.inner.copy_opts(from, to, options).await
        }
    }

    #[tokio::test]
    async fn put_all_stores_each_file_under_the_prefix_in_order() {
        let store = InMemory::new();
        let files = [file("a.pdf", b"first"), file("b.pdf", b"second one")];
        let stored = put_all(&store, "dossiers/d1", &files).await.unwrap();
        assert_eq!(stored.len(), 2);
        for (s, f) in stored.iter().zip(&files) {
            assert_eq!(s.key, format!("dossiers/d1/{}", s.id));
            assert_eq!(s.file_name, f.file_name);
            assert_eq!(s.media_type, "application/pdf");
            assert_eq!(s.size_bytes, f.bytes.len() as i64);
            assert_eq!(s.sha256, hex::encode(Sha256::digest(&f.bytes)));
            assert_eq!(get(&store, &s.key).await.unwrap().unwrap(), f.bytes);
        }
        assert!(stored[0].id < stored[1].id, "ids in the order of the files");
        // The key is never shown.
        let json = serde_json::to_value(&stored[0]).unwrap();
        assert!(json.get("key").is_none(), "{json}");

        discard_files(&store, &stored).await;
        assert!(keys_in(&store).await.is_empty());
    }

    #[tokio::test]
    async fn a_failed_put_discards_the_files_put_before_it() {
        let store = Failing {
            inner: InMemory::new(),
            puts: AtomicUsize::new(0),
            fail_from: 3,
        };
        let files = [
            file("a.pdf", b"1"),
            file("b.pdf", b"2"),
            file("c.pdf", b"3"),
        ];
        let refused = put_all(&store, "feedback/r1", &files).await;
        assert!(matches!(refused, Err(AppError::Internal(_))));
        assert_eq!(store.puts.load(Ordering::SeqCst), 3);
        assert!(keys_in(&store).await.is_empty(), "nothing left behind");
    }
}
