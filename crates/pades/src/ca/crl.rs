//! CRLs (RFC 5280 §5) signed by a CA of the demo. The `TBSCertList` is assembled here on
//! x509-cert's CRL types rather than by its `CrlBuilder`, which copies the issuer
//! certificate's own authorityKeyIdentifier into the CRL: right for a self-signed root, but
//! for the issuing CA it names the root's key, and the CRL would not match its issuer.

use super::{Authority, CaError, x509_time};
use crate::asn1::oid;
use der::Encode;
use der::asn1::{BitString, OctetString, Uint};
use der::referenced::OwnedToRef;
use std::time::SystemTime;
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, SubjectKeyIdentifier};
use x509_cert::serial_number::SerialNumber;

/// One revoked certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revoked {
    pub serial: SerialNumber,
    pub at: SystemTime,
    /// `None` or `Unspecified` leave the reason code out (RFC 5280 §5.3.1).
    pub reason: Option<CrlReason>,
}

/// The CRL's period and sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrlPeriod {
    pub this_update: SystemTime,
    pub next_update: SystemTime,
    /// Increases with every CRL the CA issues.
    pub number: u64,
}

/// A CRL of `issuer` listing `revoked`, signed with its key.
pub fn build(
    issuer: &Authority,
    revoked: &[Revoked],
    period: CrlPeriod,
) -> Result<CertificateList, CaError> {
    let entries = revoked.iter().map(entry).collect::<Result<Vec<_>, _>>()?;
    let tbs = TbsCertList {
        version: Version::V2,
        signature: issuer.signature_algorithm(),
        issuer: issuer.certificate.tbs_certificate().subject().clone(),
        this_update: x509_time(period.this_update)?,
        next_update: Some(x509_time(period.next_update)?),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(vec![
            extension(&authority_key_id(issuer)?)?,
            extension(&CrlNumber(Uint::new(&period.number.to_be_bytes())?))?,
        ]),
    };
    let signature = issuer.sign(&tbs.to_der()?);
    Ok(CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: issuer.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
    })
}

/// The issuer's own key identifier (its SKI, or the SHA-1 of its key as RFC 5280 suggests).
fn authority_key_id(issuer: &Authority) -> Result<AuthorityKeyIdentifier, CaError> {
    let tbs = issuer.certificate.tbs_certificate();
    let key_id = match tbs.get_extension::<SubjectKeyIdentifier>() {
        Ok(Some((_, ski))) => ski.0,
        _ => SubjectKeyIdentifier::try_from(tbs.subject_public_key_info().owned_to_ref())?.0,
    };
    Ok(AuthorityKeyIdentifier {
        key_identifier: Some(key_id),
        ..Default::default()
    })
}

fn entry(revoked: &Revoked) -> Result<RevokedCert, CaError> {
    let reason = revoked
        .reason
        .filter(|r| *r != CrlReason::Unspecified)
        .map(|r| {
            Ok::<_, der::Error>(Extension {
                extn_id: oid::CE_CRL_REASONS,
                critical: false,
                extn_value: OctetString::new(r.to_der()?)?,
            })
        })
        .transpose()?;
    Ok(RevokedCert {
        serial_number: revoked.serial.clone(),
        revocation_date: x509_time(revoked.at)?,
        crl_entry_extensions: reason.map(|r| vec![r]),
    })
}

fn extension<T: Encode + const_oid::AssociatedOid>(value: &T) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: T::OID,
        critical: false,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}
