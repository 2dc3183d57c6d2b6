//! Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits, SHA-1 as every
//! authenticator app expects). A code is accepted once: the last used step is stored.

use totp_rs::{Algorithm, Builder, Secret, Totp};

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
}
