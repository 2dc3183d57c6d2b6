//! Identifiers citizens and businesses type in: citizen ID numbers (CCCD, 12 digits), tax
//! codes (10 digits, or 13 as `NNNNNNNNNN-NNN` for branches), emails and phone numbers.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("Số căn cước công dân phải gồm đúng 12 chữ số.")]
    CitizenId,
    #[error("Mã số thuế phải gồm 10 hoặc 13 chữ số.")]
    TaxCode,
    #[error("Địa chỉ email không hợp lệ.")]
    Email,
    #[error("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0).")]
    Phone,
    #[error("Mật khẩu phải có ít nhất 10 ký tự.")]
    PasswordTooShort,
    #[error("Mật khẩu quá dài (tối đa 256 ký tự).")]
    PasswordTooLong,
}

fn only_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a citizen ID number (số định danh cá nhân / CCCD): exactly 12 digits.
pub fn citizen_id(input: &str) -> Result<String, IdentityError> {
    let s = input.trim();
    if s.len() == 12 && only_digits(s) {
        Ok(s.to_owned())
    } else {
        Err(IdentityError::CitizenId)
    }
}

/// Checks a business tax code: 10 digits, or 13 digits for a dependent unit (the dash some
/// people type between the parts is accepted and removed).
pub fn tax_code(input: &str) -> Result<String, IdentityError> {
    let s: String = input.trim().chars().filter(|c| *c != '-').collect();
    if (s.len() == 10 || s.len() == 13) && only_digits(&s) {
        Ok(s)
    } else {
        Err(IdentityError::TaxCode)
    }
}

/// A pragmatic email check: one `@`, a dotted domain, no spaces. Deliverability is proven by
/// the verification email, not by a regular expression.
pub fn email(input: &str) -> Result<String, IdentityError> {
    let s = input.trim().to_lowercase();
    let (local, domain) = s.split_once('@').ok_or(IdentityError::Email)?;
    let valid = !local.is_empty()
        && local.len() <= 64
        && s.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(s)
    } else {
        Err(IdentityError::Email)
    }
}

/// Vietnamese mobile or landline numbers: 10 digits starting with 0; `+84` is rewritten.
pub fn phone(input: &str) -> Result<String, IdentityError> {
    let compact: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let local = match compact.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None => compact,
    };
    if local.len() == 10 && local.starts_with('0') && only_digits(&local) {
        Ok(local)
    } else {
        Err(IdentityError::Phone)
    }
}

/// Length rules for passwords (NIST SP 800-63B: length over composition rules).
pub fn password(input: &str) -> Result<(), IdentityError> {
    match input.chars().count() {
        n if n < 10 => Err(IdentityError::PasswordTooShort),
        n if n > 256 => Err(IdentityError::PasswordTooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citizen_id_is_twelve_digits() {
        assert_eq!(citizen_id(" 038090001234 ").unwrap(), "038090001234");
        for bad in [
            "03809000123",
            "0380900012345",
            "03809000123a",
            "",
            "038 090 001 234",
        ] {
            assert_eq!(citizen_id(bad), Err(IdentityError::CitizenId), "{bad}");
        }
    }

    #[test]
    fn tax_code_is_ten_or_thirteen_digits() {
        assert_eq!(tax_code("2801234567").unwrap(), "2801234567");
        assert_eq!(tax_code("2801234567-001").unwrap(), "2801234567001");
        for bad in ["280123456", "28012345678", "280123456x", "2801234567-01"] {
            assert_eq!(tax_code(bad), Err(IdentityError::TaxCode), "{bad}");
        }
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(email(" Lan@Example.VN ").unwrap(), "lan@example.vn");
        for bad in [
            "lan",
            "lan@",
            "@x.vn",
            "lan@vn",
            "la n@x.vn",
            "a@b@c.vn",
            "lan@.vn",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(phone("+84 912 345 678").unwrap(), "0912345678");
        assert_eq!(phone("0912.345.678").unwrap(), "0912345678");
        assert!(phone("912345678").is_err());
    }

    #[test]
    fn password_length() {
        assert_eq!(password("short"), Err(IdentityError::PasswordTooShort));
        assert!(password("mật khẩu đủ dài").is_ok());
        assert_eq!(
            password(&"x".repeat(300)),
            Err(IdentityError::PasswordTooLong)
        );
    }
}
