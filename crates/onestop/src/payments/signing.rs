//! The redirect-and-signed-callback protocol of VNPAY (version 2.1.0), which most Vietnamese
//! payment gateways resemble: parameters sorted by name, form-URL-encoded, joined with `&`,
//! signed with HMAC-SHA512 of the merchant's hash secret (`vnp_SecureHash`).

use hmac::{KeyInit, Mac};
use std::collections::BTreeMap;

pub const HASH_PARAM: &str = "vnp_SecureHash";
const HASH_TYPE_PARAM: &str = "vnp_SecureHashType";

/// The string that is signed: every `vnp_` parameter but the hash itself, sorted, encoded.
pub fn canonical(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(k, v)| {
            k.starts_with("vnp_") && *k != HASH_PARAM && *k != HASH_TYPE_PARAM && !v.is_empty()
        })
        .map(|(k, v)| {
            let mut out = form_urlencoded::Serializer::new(String::new());
            out.append_pair(k, v);
            out.finish()
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub fn sign(params: &BTreeMap<String, String>, secret: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(canonical(params).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether the parameters carry a valid signature (compared in constant time).
pub fn verify(params: &BTreeMap<String, String>, secret: &[u8]) -> bool {
    let Some(given) = params.get(HASH_PARAM) else {
        return false;
    };
    let Ok(given) = hex::decode(given.to_ascii_lowercase()) else {
        return false;
    };
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(canonical(params).as_bytes());
    mac.verify_slice(&given).is_ok()
}

/// The query string of signed parameters.
pub fn signed_query(mut params: BTreeMap<String, String>, secret: &[u8]) -> String {
    let hash = sign(&params, secret);
    params.insert(HASH_PARAM.into(), hash);
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &params {
        out.append_pair(k, v);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, String> {
        [
            ("vnp_Amount", "800000"),
            ("vnp_TxnRef", "abc"),
            ("vnp_OrderInfo", "Phí cấp bản sao trích lục"),
            ("vnp_ResponseCode", "00"),
            ("other", "ignored"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn signs_the_sorted_encoded_vnp_parameters() {
        assert_eq!(
            canonical(&params()),
            "vnp_Amount=800000&vnp_OrderInfo=Ph%C3%AD+c%E1%BA%A5p+b%E1%BA%A3n+sao+tr%C3%ADch+l%E1%BB%A5c&vnp_ResponseCode=00&vnp_TxnRef=abc"
        );
        let mut p = params();
        p.insert(HASH_PARAM.into(), sign(&p, b"secret"));
        assert!(verify(&p, b"secret"));
        assert!(!verify(&p, b"other secret"));
        p.insert("vnp_Amount".into(), "100".into());
        assert!(
            !verify(&p, b"secret"),
            "a changed amount breaks the signature"
        );
        p.remove(HASH_PARAM);
        assert!(!verify(&p, b"secret"));
        p.insert(HASH_PARAM.into(), "not hex".into());
        assert!(!verify(&p, b"secret"));
    }
}
