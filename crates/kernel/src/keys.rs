//! Keys that must live outside the database: the audit key, which seals every audit row and
//! signs the chain's checkpoints (someone who can rewrite the database must not be able to
//! forge a row or a checkpoint), the key that encrypts TOTP secrets at rest (a copy of the
//! database alone must not yield anyone's second factor), and the key that encrypts the private
//! keys of the demo certificate authority (`pki_key`: a copy of the database must not let anyone
//! sign in its name). They come from configuration (`TINHSO_AUDIT__KEY_FILE`,
//! `TINHSO_TOTP_KEY_FILE`, `TINHSO_PKI_KEY_FILE`); when a key is absent, as in the demo, one is
//! generated once into `data_dir/keys/` (mode 0600) and the log says so. No key is written into
//! backups: keep them apart. The database remembers only each key's id, so that a
//! node started with another key refuses to start instead of writing rows nobody can verify.

use crate::config::{Config, Secret};
use anyhow::Context;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The keys of this installation.
pub struct Keys {
    /// HMAC-SHA256 key of the audit rows and checkpoints.
    pub audit: [u8; 32],
    /// XChaCha20-Poly1305 key of the TOTP secrets.
    pub totp: [u8; 32],
    /// XChaCha20-Poly1305 key of the private keys the demo CA keeps ([`seal`]).
    pub pki: [u8; 32],
    /// The exchange key's P-256 private scalar (edXML signatures and exchange requests).
    pub exchange: [u8; 32],
    /// The next exchange key during a rotation (`exchange.next_key`, or the file
    /// `tinhso exchange rotate-key` wrote): announced to the peers, never used to sign.
    pub exchange_next: Option<[u8; 32]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

impl Keys {
    pub fn load(config: &Config) -> anyhow::Result<Keys> {
        Ok(Keys {
            audit: load_or_generate(
                config.audit.key.as_ref(),
                &config.data_dir,
                "audit.key",
                "TINHSO_AUDIT__KEY_FILE",
            )?,
            totp: load_or_generate(
                config.totp_key.as_ref(),
                &config.data_dir,
                "totp.key",
                "TINHSO_TOTP_KEY_FILE",
            )?,
            pki: load_or_generate(
                config.pki_key.as_ref(),
                &config.data_dir,
                "pki.key",
                "TINHSO_PKI_KEY_FILE",
            )?,
            exchange: load_or_generate(
                config.exchange.key.as_ref(),
                &config.data_dir,
                EXCHANGE_KEY,
                "TINHSO_EXCHANGE__KEY_FILE",
            )?,
            exchange_next: load_next_exchange_key(config)?,
        })
    }
}

/// The exchange key's file name under `data_dir/keys/`, and the next key's during a rotation.
pub const EXCHANGE_KEY: &str = "exchange.key";
pub const EXCHANGE_NEXT_KEY: &str = "exchange.next.key";

/// The next exchange key: configured, or the file `tinhso exchange rotate-key` wrote; never
/// generated here.
fn load_next_exchange_key(config: &Config) -> anyhow::Result<Option<[u8; 32]>> {
    if let Some(Secret(text)) = &config.exchange.next_key {
        return parse(text).map(Some).context(
            "the key given by TINHSO_EXCHANGE__NEXT_KEY_FILE must be a P-256 private scalar as 64 hex digits",
        );
    }
    let path = generated_path(&config.data_dir, EXCHANGE_NEXT_KEY);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            warn_if_readable_by_others(&path);
            parse(&text)
                .map(Some)
                .with_context(|| format!("the key {} is damaged", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read the key {}", path.display())),
    }
}

impl Keys {
    /// Refuses keys other than those the database was written with: the first start records
    /// each key's id (not the key) in `settings`, later starts compare.
    pub async fn check_against(&self, db: &crate::db::Db) -> anyhow::Result<()> {
        use sqlx::Row;
        for (setting, key, env) in [
            ("audit_key_id", &self.audit, "TINHSO_AUDIT__KEY_FILE"),
            ("totp_key_id", &self.totp, "TINHSO_TOTP_KEY_FILE"),
            ("pki_key_id", &self.pki, "TINHSO_PKI_KEY_FILE"),
        ] {
            let id = tinhso_domain::audit_anchor::key_id(key);
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(setting)
            .bind(&id)
            .execute(&db.pool)
            .await?;
            let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
                .bind(setting)
                .fetch_one(&db.pool)
                .await?;
            let recorded: String = row.try_get("value")?;
            anyhow::ensure!(
                recorded == id,
                "the key given by {env} (id {id}) is not the one this database was written with \
                 (id {recorded}): give this node the installation's key (every node the same one)"
            );
        }
        Ok(())
    }
}

/// Marks a sealed value: `enc1:` then base64url(24-byte nonce ‖ ciphertext ‖ tag).
const SEALED: &str = "enc1:";

/// Encrypts `plain` for storage (XChaCha20-Poly1305 under `key`, a random nonce), bound to
/// `aad`: what the value belongs to (a user's id, a certificate's serial), so a sealed value
/// copied into another row does not open there.
pub fn seal(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> String {
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).expect("the operating system provides randomness");
    let cipher = XChaCha20Poly1305::new(&(*key).into());
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plain, aad })
        .expect("encryption of a short message cannot fail");
    let mut bytes = nonce.to_vec();
    bytes.extend(sealed);
    format!(
        "{SEALED}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Whether a stored value was written by [`seal`].
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// The plain bytes of a value [`seal`] wrote with the same key and `aad`.
pub fn open(key: &[u8; 32], aad: &[u8], stored: &str) -> anyhow::Result<Vec<u8>> {
    let body = stored
        .strip_prefix(SEALED)
        .ok_or_else(|| anyhow::anyhow!("the value is not sealed"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| anyhow::anyhow!("the sealed value is damaged"))?;
    anyhow::ensure!(bytes.len() > 24, "the sealed value is damaged");
    let (nonce, sealed) = bytes.split_at(24);
    let nonce: [u8; 24] = nonce.try_into().expect("24 bytes");
    XChaCha20Poly1305::new(&(*key).into())
        .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
        .map_err(|_| anyhow::anyhow!("the sealed value does not open with this key"))
}

/// 32 bytes written as 64 hex digits or as base64.
pub fn parse(text: &str) -> anyhow::Result<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text)?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| anyhow::anyhow!("not hex or base64"))?
    };
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| anyhow::anyhow!("{} bytes instead of 32", b.len()))
}

/// Where a generated key lives.
pub fn generated_path(data_dir: &Path, file_name: &str) -> PathBuf {
    data_dir.join("keys").join(file_name)
}

fn load_or_generate(
    configured: Option<&Secret>,
    data_dir: &Path,
    file_name: &str,
    setting: &str,
) -> anyhow::Result<[u8; 32]> {
    if let Some(Secret(text)) = configured {
        return parse(text).with_context(|| {
            format!("the key given by {setting} must be 32 random bytes as 64 hex digits (e.g. `openssl rand -hex 32`)")
        });
    }
    let path = generated_path(data_dir, file_name);
    let dir = path.parent().expect("the key file has a folder");
    create_private_dir(dir)?;
    match create_private(&path) {
        Ok(mut file) => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            writeln!(file, "{}", hex::encode(key))?;
            file.sync_all()?;
            tracing::warn!(
                path = %path.display(),
                "generated a new key because {setting} is not set; it is not in the database \
                 nor in backups: keep a copy apart, and give every node the same key"
            );
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            warn_if_readable_by_others(&path);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the key {}", path.display()))?;
            parse(&text).with_context(|| format!("the key {} is damaged", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot create the key {}", path.display())),
    }
}

/// 32 random bytes from the operating system: a new key.
pub fn random_key() -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(key)
}

/// Creates a new file only its owner can read (mode 0600 from the start, not chmod after), and
/// fails if it exists.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Creates a folder (and its parents) only its owner can enter.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "the key file can be read by other users: chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_and_base64_and_refuses_the_rest() {
        let hex = "00".repeat(31) + "ff";
        assert_eq!(parse(&hex).unwrap()[31], 0xff);
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(parse(&format!("{b64}\n")).unwrap(), [7u8; 32]);
        assert!(parse("short").is_err());
        assert!(parse(&"00".repeat(16)).is_err(), "16 bytes are too few");
    }

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_binding() {
        let key = [3u8; 32];
        let sealed = seal(&key, b"serial:01", b"pkcs8");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("pkcs8"));
        assert_eq!(open(&key, b"serial:01", &sealed).unwrap(), b"pkcs8");
        assert!(
            open(&[4u8; 32], b"serial:01", &sealed).is_err(),
            "another key"
        );
        assert!(open(&key, b"serial:02", &sealed).is_err(), "another row");
        assert!(open(&key, b"serial:01", "pkcs8").is_err(), "not sealed");
        assert_ne!(
            seal(&key, b"x", b"y"),
            seal(&key, b"x", b"y"),
            "fresh nonces"
        );
    }

    #[test]
    fn generates_once_privately_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_generate(None, dir.path(), "k.key", "X").unwrap();
        let b = load_or_generate(None, dir.path(), "k.key", "X").unwrap();
        assert_eq!(a, b, "the second start reads the generated key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = generated_path(dir.path(), "k.key");
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let configured = Secret("11".repeat(32));
        assert_eq!(
            load_or_generate(Some(&configured), dir.path(), "k.key", "X").unwrap(),
            [0x11; 32],
            "a configured key wins"
        );
    }
}
