//! What can go wrong with a key on a token, in words for the people who see it (Vietnamese;
//! English in crates/signatures/locales/messages.en.toml, since this leaf crate has no locale
//! files of its own), and a stable code for logs and the API. The PKCS#11 return values are
//! mapped here, once: `CKR_PIN_INCORRECT` is a wrong PIN, `CKR_PIN_LOCKED` a locked one, and
//! so on.

use cryptoki::error::{Error as CkError, RvError};

/// An error of the PKCS#11 layer. The PIN never appears in one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Pkcs11Error {
    #[error("Không nạp được thư viện PKCS#11 {path}: {detail}")]
    ModuleLoad { path: String, detail: String },
    #[error("Không tìm thấy thiết bị ký số (token) có nhãn “{0}”")]
    TokenNotFound(String),
    #[error("Có {count} thiết bị ký số cùng nhãn “{label}”: hãy đặt nhãn khác nhau")]
    TokenAmbiguous { label: String, count: usize },
    #[error("Mã PIN của thiết bị ký số không đúng")]
    WrongPin,
    #[error(
        "Mã PIN của thiết bị ký số đã bị khóa do nhập sai nhiều lần: hãy liên hệ người quản lý thiết bị để mở khóa"
    )]
    PinLocked,
    #[error("Mã PIN của thiết bị ký số đã hết hạn: hãy đổi mã PIN trên thiết bị")]
    PinExpired,
    #[error(
        "Thiết bị ký số đã được đăng nhập bởi một phần khác của chương trình: không xác minh được mã PIN"
    )]
    AlreadyLoggedIn,
    #[error("Phiên đăng nhập thiết bị ký số đã kết thúc: hãy mở lại thiết bị")]
    NotLoggedIn,
    #[error("Không tìm thấy khóa bí mật {0} trên thiết bị ký số")]
    KeyNotFound(String),
    #[error(
        "Có {count} khóa bí mật khớp với {selector}: hãy chỉ rõ mã định danh (CKA_ID) của khóa"
    )]
    KeyAmbiguous { selector: String, count: usize },
    #[error("Không tìm thấy chứng thư số của khóa {0} trên thiết bị ký số")]
    CertificateNotFound(String),
    #[error("Chứng thư số của khóa không đọc được: {0}")]
    CertificateUnreadable(String),
    #[error("Khóa bí mật trên thiết bị không khớp với chứng thư số")]
    KeyMismatch,
    #[error("Khóa không được hỗ trợ ({0}): chỉ dùng được khóa ký RSA từ 2048 bit hoặc ECDSA P-256")]
    UnsupportedKey(String),
    #[error("Thuật toán ký không phù hợp với loại khóa trên thiết bị")]
    AlgorithmMismatch,
    #[error("Thiết bị ký số không hỗ trợ cơ chế ký {0}")]
    MechanismUnsupported(&'static str),
    #[error("Khóa yêu cầu nhập lại mã PIN cho mỗi lần ký: chưa được hỗ trợ")]
    AlwaysAuthenticate,
    #[error("Thiết bị ký số đang bận: hết thời gian chờ một phiên làm việc")]
    Busy,
    #[error("Thiết bị ký số đã bị rút ra hoặc không còn phản hồi")]
    Removed,
    #[error("Thiết bị ký số trả về chữ ký không hợp lệ: {0}")]
    BadSignature(String),
    #[error("Lỗi thiết bị ký số: {0}")]
    Device(String),
}

impl Pkcs11Error {
    /// A stable code for logs and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Pkcs11Error::ModuleLoad { .. } => "pkcs11_module_load",
            Pkcs11Error::TokenNotFound(_) => "token_not_found",
            Pkcs11Error::TokenAmbiguous { .. } => "token_ambiguous",
            Pkcs11Error::WrongPin => "pin_incorrect",
            Pkcs11Error::PinLocked => "pin_locked",
            Pkcs11Error::PinExpired => "pin_expired",
            Pkcs11Error::AlreadyLoggedIn => "token_already_logged_in",
            Pkcs11Error::NotLoggedIn => "token_not_logged_in",
            Pkcs11Error::KeyNotFound(_) => "key_not_found",
            Pkcs11Error::KeyAmbiguous { .. } => "key_ambiguous",
            Pkcs11Error::CertificateNotFound(_) => "certificate_not_found",
            Pkcs11Error::CertificateUnreadable(_) => "certificate_unreadable",
            Pkcs11Error::KeyMismatch => "key_certificate_mismatch",
            Pkcs11Error::UnsupportedKey(_) => "key_unsupported",
            Pkcs11Error::AlgorithmMismatch => "algorithm_mismatch",
            Pkcs11Error::MechanismUnsupported(_) => "mechanism_unsupported",
            Pkcs11Error::AlwaysAuthenticate => "key_always_authenticate",
            Pkcs11Error::Busy => "token_busy",
            Pkcs11Error::Removed => "token_removed",
            Pkcs11Error::BadSignature(_) => "token_bad_signature",
            Pkcs11Error::Device(_) => "token_error",
        }
    }
}

impl From<CkError> for Pkcs11Error {
    fn from(error: CkError) -> Pkcs11Error {
        match error {
            CkError::Pkcs11(rv, function) => from_rv(rv, &format!("C_{function:?}")),
            other => Pkcs11Error::Device(other.to_string()),
        }
    }
}

/// A PKCS#11 return value from `function` (`C_Login`, `C_Sign`, …).
pub(crate) fn from_rv(rv: RvError, function: &str) -> Pkcs11Error {
    match rv {
        // A PIN of the wrong length or with characters the token refuses is a wrong PIN too.
        RvError::PinIncorrect | RvError::PinLenRange | RvError::PinInvalid => Pkcs11Error::WrongPin,
        RvError::PinLocked => Pkcs11Error::PinLocked,
        RvError::PinExpired => Pkcs11Error::PinExpired,
        RvError::UserAlreadyLoggedIn | RvError::UserAnotherAlreadyLoggedIn => {
            Pkcs11Error::AlreadyLoggedIn
        }
        RvError::UserNotLoggedIn => Pkcs11Error::NotLoggedIn,
        RvError::DeviceRemoved
        | RvError::TokenNotPresent
        | RvError::TokenNotRecognized
        | RvError::SessionHandleInvalid
        | RvError::SessionClosed => Pkcs11Error::Removed,
        other => Pkcs11Error::Device(format!("{function}: {other:?}")),
    }
}

/// Whether a session that failed with `error` is gone and must not go back to the pool.
pub(crate) fn session_lost(error: &CkError) -> bool {
    matches!(
        error,
        CkError::Pkcs11(
            RvError::DeviceRemoved
                | RvError::TokenNotPresent
                | RvError::SessionHandleInvalid
                | RvError::SessionClosed
                | RvError::DeviceError,
            _
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki::context::Function;

    #[test]
    fn return_values_map_to_what_people_can_act_on() {
        let cases = [
            (RvError::PinIncorrect, Pkcs11Error::WrongPin),
            (RvError::PinLenRange, Pkcs11Error::WrongPin),
            (RvError::PinLocked, Pkcs11Error::PinLocked),
            (RvError::PinExpired, Pkcs11Error::PinExpired),
            (RvError::UserAlreadyLoggedIn, Pkcs11Error::AlreadyLoggedIn),
            (RvError::UserNotLoggedIn, Pkcs11Error::NotLoggedIn),
            (RvError::DeviceRemoved, Pkcs11Error::Removed),
            (RvError::TokenNotPresent, Pkcs11Error::Removed),
            (RvError::SessionHandleInvalid, Pkcs11Error::Removed),
            (
                RvError::MechanismInvalid,
                Pkcs11Error::Device("C_SignInit: MechanismInvalid".into()),
            ),
        ];
        for (rv, expected) in cases {
            let function = if rv == RvError::MechanismInvalid {
                Function::SignInit
            } else {
                Function::Login
            };
            assert_eq!(Pkcs11Error::from(CkError::Pkcs11(rv, function)), expected);
        }
        assert_eq!(Pkcs11Error::PinLocked.code(), "pin_locked");
        assert!(
            Pkcs11Error::PinLocked
                .to_string()
                .starts_with("Mã PIN của thiết bị ký số đã bị khóa")
        );
        assert!(session_lost(&CkError::Pkcs11(
            RvError::DeviceRemoved,
            Function::Sign
        )));
        assert!(!session_lost(&CkError::Pkcs11(
            RvError::PinIncorrect,
            Function::Login
        )));
    }
}
