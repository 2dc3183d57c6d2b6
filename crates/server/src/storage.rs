//! File storage behind `object_store`: a local folder by default (`data/files`). Files never
//! live only in one node's memory.

use crate::config::Config;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use std::sync::Arc;

pub fn open(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    let dir = config.data_dir.join("files");
    std::fs::create_dir_all(&dir)?;
    Ok(Arc::new(LocalFileSystem::new_with_prefix(&dir)?))
}
