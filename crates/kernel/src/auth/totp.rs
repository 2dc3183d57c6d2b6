//! Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits, SHA-1 as every
//! authenticator app expects). A code is accepted once: the last used step is stored.
//!
//! Secrets are stored sealed (XChaCha20-Poly1305 under the `totp_key` from configuration, bound
//! to the user's id), so a copy of the database does not give away anyone's second factor.
//! Rows written before sealing existed hold the plain base32 secret: `open` still reads them and
//! they are sealed at start-up and on their next use.

use totp_rs::{Algorithm, Builder, Secret, Totp};

fn aad(user_id: &str) -> Vec<u8> {
    format!("tinhso-totp-v1:{user_id}").into_bytes()
}

/// Encrypts a base32 secret for storage in the user's row.
pub fn seal(key: &[u8; 32], user_id: &str, secret_b32: &str) -> String {
    crate::keys::seal(key, &aad(user_id), secret_b32.as_bytes())
}

/// Whether a stored value is sealed (rather than a plain secret from before sealing).
pub fn is_sealed(stored: &str) -> bool {
    crate::keys::is_sealed(stored)
}

/// The base32 secret from a stored value, sealed or plain.
pub fn open(key: &[u8; 32], user_id: &str, stored: &str) -> anyhow::Result<String> {
    if !is_sealed(stored) {
        return Ok(stored.to_owned());
    }
    let plain = crate::keys::open(key, &aad(user_id), stored).map_err(|e| {
        anyhow::anyhow!("a stored TOTP secret cannot be read: {e} (totp_key is not the key it was sealed with, or the value is damaged)")
    })?;
    Ok(String::from_utf8(plain)?)
}

pub fn new_secret() -> String {
    // 160 bits, the size RFC 4226 recommends for HMAC-SHA1.
    let mut bytes = vec![0u8; 20];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    Secret::from(bytes).to_base32()
}

fn totp(secret_b32: &str, account: &str) -> anyhow::Result<Totp> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|e| anyhow::anyhow!("bad TOTP secret: {e:?}"))?;
    let account = if account.is_empty() { "user" } else { account };
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some("Tinh So"))
        .build()
        .map_err(|e| anyhow::anyhow!("bad TOTP parameters: {e}"))
}

/// The `otpauth://` address an authenticator app scans.
pub fn provisioning_url(secret_b32: &str, account: &str) -> anyhow::Result<String> {
    totp(secret_b32, account)?
        .to_url()
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// Returns the time step of `code` when it is valid now (±1 step) and newer than `last_step`.
pub fn check(secret_b32: &str, code: &str, unix_time: u64, last_step: i64) -> Option<i64> {
    let totp = totp(secret_b32, "").ok()?;
    let code = code.trim().replace(' ', "");
    let current = (unix_time / 30) as i64;
    [current - 1, current, current + 1]
        .into_iter()
        .find(|step| {
            *step > last_step && *step >= 0 && totp.generate(*step as u64 * 30).to_string() == code
        })
}

/// The code for a moment: used by tests and by the enrolment page's self-check.
pub fn code_at(secret_b32: &str, unix_time: u64) -> anyhow::Result<String> {
    Ok(totp(secret_b32, "")?.generate(unix_time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_current_code_once() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        let step = check(&secret, &code, now, 0).expect("valid code");
        assert_eq!(
            check(&secret, &code, now, step),
            None,
            "replayed code refused"
        );
        assert_eq!(check(&secret, "000000x", now, 0), None);
        assert_eq!(
            check(&secret, &code, now + 300, 0),
            None,
            "old code refused"
        );
    }

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_user() {
        let key = [3u8; 32];
        let secret = new_secret();
        let stored = seal(&key, "user-1", &secret);
        assert!(is_sealed(&stored));
        assert!(!stored.contains(&secret));
        assert_ne!(
            stored,
            seal(&key, "user-1", &secret),
            "a fresh nonce each time"
        );
        assert_eq!(open(&key, "user-1", &stored).unwrap(), secret);
        assert!(open(&[4u8; 32], "user-1", &stored).is_err(), "another key");
        assert!(
            open(&key, "user-2", &stored).is_err(),
            "moved to another user"
        );
        let mut tampered = stored.clone();
        tampered.replace_range(10..11, if &stored[10..11] == "A" { "B" } else { "A" });
        assert!(open(&key, "user-1", &tampered).is_err());
        assert_eq!(
            open(&key, "user-1", &secret).unwrap(),
            secret,
            "a plain secret from before sealing still reads"
        );
    }
}
