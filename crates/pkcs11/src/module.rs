//! A PKCS#11 module (the vendor's `.so`), loaded and initialised once per process.
//!
//! `C_Initialize` may be called once per process and module: a second call answers
//! `CKR_CRYPTOKI_ALREADY_INITIALIZED`, and `C_Finalize` would end every other user's sessions.
//! So every [`Module::load`] of the same file shares one handle, kept for the life of the
//! process (never finalised, never unloaded). The module is told it may use the operating
//! system's locks (`CKF_OS_LOCKING_OK`): sessions are used from several threads, one thread
//! at a time each (`token.rs`).

use crate::Pkcs11Error;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

/// A loaded, initialised PKCS#11 module. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) context: Pkcs11,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module").field("path", &self.path).finish()
    }
}

static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();

impl Module {
    /// The module at `path` (e.g. `/usr/lib/softhsm/libsofthsm2.so`), loaded and initialised
    /// the first time, shared afterwards. Environment the module reads at initialisation
    /// (SoftHSM2's `SOFTHSM2_CONF`) must be set before the first call.
    pub fn load(path: &Path) -> Result<Module, Pkcs11Error> {
        let failed = |detail: String| Pkcs11Error::ModuleLoad {
            path: path.display().to_string(),
            detail,
        };
        let canonical = path.canonicalize().map_err(|e| failed(e.to_string()))?;
        let mut modules = MODULES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(context) = modules.get(&canonical) {
            return Ok(Module {
                context: context.clone(),
                path: canonical,
            });
        }
        let context = Pkcs11::new(&canonical).map_err(|e| failed(e.to_string()))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            // Another library of this process initialised it: it is usable as it is.
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(failed(e.to_string())),
        }
        modules.insert(canonical.clone(), context.clone());
        Ok(Module {
            context,
            path: canonical,
        })
    }

    /// The module's file, as loaded.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The labels of the tokens present, in slot order (for error messages and setup pages).
    pub fn token_labels(&self) -> Result<Vec<String>, Pkcs11Error> {
        let mut labels = Vec::new();
        for slot in self.context.get_slots_with_token()? {
            let info = self.context.get_token_info(slot)?;
            if info.token_initialized() {
                labels.push(info.label().to_owned());
            }
        }
        Ok(labels)
    }
}
