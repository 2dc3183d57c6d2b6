//! A token, found by its label and logged in with a PIN, and the sessions that sign with it.
//!
//! **Sessions.** A cryptoki `Session` is `Send` but not `Sync`: a PKCS#11 session runs one
//! operation at a time (`C_SignInit` then `C_Sign`), and some modules are not safe when two
//! threads share one. So a token keeps a **pool**: a signature takes an idle session (or opens
//! one, up to [`TokenOptions::max_sessions`]), uses it from its thread alone and puts it back;
//! when all are busy the caller waits (up to [`TokenOptions::wait`], then [`Pkcs11Error::Busy`]).
//! Signatures thus run in parallel on HSMs that can (SoftHSM2 can), one per session, and
//! a module that allows a single session is still safe with `max_sessions = 1`. A session
//! that failed because the device went away is closed, not returned.
//!
//! **Login.** PKCS#11 logs in an *application*, not a session: every session of the process
//! on that token shares one login, which ends when its last session closes; and `C_Login` on a
//! token already logged in answers `CKR_USER_ALREADY_LOGGED_IN` **without checking the PIN**.
//! So the process keeps one logged-in state per token (the registry below): the first
//! [`Module::open_token`] logs in with the PIN; while that token is open, a second open (another
//! agency's key on the same HSM partition, or a person typing the PIN again) is checked
//! against a salted SHA-256 of the PIN kept in memory only while the token is open, since the
//! token cannot be asked; a wrong one is refused like the token would. The PIN itself is
//! never kept, logged or written: it goes to `C_Login` and is zeroed when dropped (`Pin`).
//! Limitation: checks against that hash do not count towards the token's own retry counter.

use crate::error::{from_rv, session_lost};
use crate::{Module, Pkcs11Error};
use cryptoki::error::Error as CkError;
use cryptoki::mechanism::MechanismType;
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// A PIN: typed by a person or read from a secret file. Zeroed when dropped; its `Debug`
/// shows nothing.
pub struct Pin(AuthPin);

impl Pin {
    pub fn new(pin: impl Into<String>) -> Pin {
        Pin(AuthPin::from(pin.into()))
    }

    /// The PIN in `path` (a secret file: `pin_file`), without its final line break.
    pub fn read_file(path: &std::path::Path) -> std::io::Result<Pin> {
        let text = std::fs::read_to_string(path)?;
        Ok(Pin::new(text.trim_end_matches(['\r', '\n'])))
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(..)")
    }
}

/// How many sessions a token may use at once and how long a signature waits for one.
#[derive(Clone, Debug)]
pub struct TokenOptions {
    pub max_sessions: usize,
    pub wait: Duration,
}

impl Default for TokenOptions {
    fn default() -> TokenOptions {
        TokenOptions {
            max_sessions: 4,
            wait: Duration::from_secs(30),
        }
    }
}

/// An open, logged-in token. Clones share its login and sessions; the token is logged out
/// (its sessions closed) when the last clone, and every key taken from it, is dropped.
pub struct Token {
    inner: Arc<TokenInner>,
}

pub(crate) struct TokenInner {
    module: Module,
    pub(crate) slot: Slot,
    label: String,
    serial: String,
    /// SHA-256(salt ‖ PIN): checks a later open of the same token (see the module's header).
    pin_check: [u8; 32],
    salt: [u8; 16],
    pub(crate) mechanisms: Vec<MechanismType>,
    options: TokenOptions,
    pool: Mutex<Pool>,
    freed: Condvar,
}

struct Pool {
    idle: Vec<Session>,
    /// Sessions open, idle or lent.
    open: usize,
}

/// The open tokens of the process, by module file and slot, with how many handles use each.
type Registry = HashMap<(PathBuf, u64), (Arc<TokenInner>, usize)>;

static TOKENS: OnceLock<Mutex<Registry>> = OnceLock::new();

fn registry() -> MutexGuard<'static, Registry> {
    TOKENS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

fn pin_check(salt: &[u8], pin: &Pin) -> [u8; 32] {
    Sha256::new()
        .chain_update(salt)
        .chain_update(pin.bytes())
        .finalize()
        .into()
}

/// Equal without an early exit.
fn same(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Module {
    /// The token labelled `label`, logged in with `pin` (default options).
    pub fn open_token(&self, label: &str, pin: &Pin) -> Result<Token, Pkcs11Error> {
        self.open_token_with(label, pin, TokenOptions::default())
    }

    /// The token labelled `label`, logged in with `pin`. Refused: no such token, two with
    /// that label, a locked or wrong PIN (checked against the open token's login when the
    /// process has it open already, see the module's header). `options` apply when this
    /// opens the token; while it is open, every opener shares its first pool.
    pub fn open_token_with(
        &self,
        label: &str,
        pin: &Pin,
        options: TokenOptions,
    ) -> Result<Token, Pkcs11Error> {
        let mut found = Vec::new();
        for slot in self.context.get_slots_with_token()? {
            let info = self.context.get_token_info(slot)?;
            if info.token_initialized() && info.label() == label {
                found.push((slot, info));
            }
        }
        let (slot, info) = match found.len() {
            0 => return Err(Pkcs11Error::TokenNotFound(label.to_owned())),
            1 => found.remove(0),
            count => {
                return Err(Pkcs11Error::TokenAmbiguous {
                    label: label.to_owned(),
                    count,
                });
            }
        };
        if info.user_pin_locked() {
            return Err(Pkcs11Error::PinLocked);
        }
        let length = pin.bytes().len();
        let max = info.max_pin_length();
        if length == 0 || length < info.min_pin_length() || (max > 0 && length > max) {
            // Not worth a try of the token's counter.
            return Err(Pkcs11Error::WrongPin);
        }

        // Under the registry's lock from here on, so that a token is logged in once and
        // logged out (its last session closed) before anyone logs in again.
        let mut tokens = registry();
        let key = (self.path.clone(), slot.id());
        if let Some((inner, users)) = tokens.get_mut(&key) {
            if !same(&pin_check(&inner.salt, pin), &inner.pin_check) {
                return Err(Pkcs11Error::WrongPin);
            }
            *users += 1;
            return Ok(Token {
                inner: inner.clone(),
            });
        }
        let session = self.context.open_ro_session(slot)?;
        if let Err(error) = session.login(UserType::User, Some(&pin.0)) {
            return Err(error.into());
        }
        let mechanisms = self.context.get_mechanism_list(slot)?;
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Pkcs11Error::Device(format!("getrandom: {e}")))?;
        let inner = Arc::new(TokenInner {
            module: self.clone(),
            slot,
            label: label.to_owned(),
            serial: info.serial_number().to_owned(),
            pin_check: pin_check(&salt, pin),
            salt,
            mechanisms,
            options: TokenOptions {
                max_sessions: options.max_sessions.max(1),
                ..options
            },
            pool: Mutex::new(Pool {
                idle: vec![session],
                open: 1,
            }),
            freed: Condvar::new(),
        });
        tokens.insert(key, (inner.clone(), 1));
        Ok(Token { inner })
    }
}

impl Token {
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    pub fn serial_number(&self) -> &str {
        &self.inner.serial
    }

    pub(crate) fn inner(&self) -> &TokenInner {
        &self.inner
    }
}

impl Clone for Token {
    fn clone(&self) -> Token {
        let mut tokens = registry();
        let key = (self.inner.module.path.clone(), self.inner.slot.id());
        if let Some((_, users)) = tokens.get_mut(&key) {
            *users += 1;
        }
        Token {
            inner: self.inner.clone(),
        }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        let mut tokens = registry();
        let key = (self.inner.module.path.clone(), self.inner.slot.id());
        let last = match tokens.get_mut(&key) {
            Some((_, users)) => {
                *users -= 1;
                *users == 0
            }
            None => false,
        };
        if last {
            // Close the sessions (and so log out) while the registry is held.
            if let Some((inner, _)) = tokens.remove(&key) {
                let mut pool = inner.pool.lock().unwrap_or_else(PoisonError::into_inner);
                pool.idle.clear();
                pool.open = 0;
            }
        }
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("module", &self.inner.module.path)
            .field("label", &self.inner.label)
            .field("serial", &self.inner.serial)
            .finish()
    }
}

impl TokenInner {
    /// Runs `work` on a session of this token, lent to this thread alone.
    pub(crate) fn with_session<T>(
        &self,
        work: impl FnOnce(&Session) -> Result<T, CkError>,
    ) -> Result<T, Pkcs11Error> {
        let session = self.acquire()?;
        let result = work(&session);
        match &result {
            Err(error) if session_lost(error) => self.discard(session),
            _ => self.release(session),
        }
        result.map_err(Pkcs11Error::from)
    }

    fn lock_pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn acquire(&self) -> Result<Session, Pkcs11Error> {
        let deadline = Instant::now() + self.options.wait;
        let mut pool = self.lock_pool();
        loop {
            if let Some(session) = pool.idle.pop() {
                return Ok(session);
            }
            if pool.open < self.options.max_sessions {
                pool.open += 1;
                drop(pool);
                // A new session shares the application's login.
                return match self.module.context.open_ro_session(self.slot) {
                    Ok(session) => Ok(session),
                    Err(error) => {
                        self.lock_pool().open -= 1;
                        self.freed.notify_one();
                        Err(match error {
                            CkError::Pkcs11(rv, _) => from_rv(rv, "C_OpenSession"),
                            other => other.into(),
                        })
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Pkcs11Error::Busy);
            }
            pool = self
                .freed
                .wait_timeout(pool, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn release(&self, session: Session) {
        self.lock_pool().idle.push(session);
        self.freed.notify_one();
    }

    fn discard(&self, session: Session) {
        drop(session);
        let mut pool = self.lock_pool();
        pool.open = pool.open.saturating_sub(1);
        drop(pool);
        self.freed.notify_one();
    }

    /// Sessions open now (idle or lent): for tests and the benchmark.
    pub(crate) fn sessions_open(&self) -> usize {
        self.lock_pool().open
    }
}

impl Token {
    /// Sessions open now, idle or signing.
    pub fn sessions_open(&self) -> usize {
        self.inner.sessions_open()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pin_check_is_salted_and_a_pin_never_shows() {
        let pin = Pin::new("246810");
        let a = pin_check(b"salt-one", &pin);
        assert_ne!(a, pin_check(b"salt-two", &pin));
        assert!(same(&a, &pin_check(b"salt-one", &Pin::new("246810"))));
        assert!(!same(&a, &pin_check(b"salt-one", &Pin::new("246811"))));
        assert_eq!(format!("{pin:?}"), "Pin(..)");
    }

    #[test]
    fn a_pin_file_loses_its_line_break_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "12 34\r\n").unwrap();
        assert_eq!(Pin::read_file(&path).unwrap().bytes(), b"12 34");
    }
}
