//! The demo CA's certificates (docs/signatures-design.md §5), built by x509-cert's
//! `CertificateBuilder` with our own [`Profile`] (its `cabf` profiles enforce web-PKI naming).
//!
//! Names are built attribute by attribute (x509-cert's `Name::from_str` reads RFC 4514, in
//! reverse order): C=VN as PrintableString, everything else as UTF8String, which carries
//! Vietnamese as is. An **agency**'s code (e.g. `000.00.14.H56`, its electronic identifier
//! in the national document exchange) goes into the `serialNumber` attribute (2.5.4.5,
//! PrintableString): X.520 defines it as an identifier of the subject, unlike OU, which names
//! a part of an organisation and which validators display as such.
//!
//! Every certificate has a random 128-bit positive serial, starts an hour before its issue
//! (a node or a validator whose clock is a little behind accepts it at once), and ends no
//! later than its issuer.

use super::{Authority, CaError, KeyAlgorithm, KeyPair, random_serial, x509_time};
use crate::asn1::{PolicyInformation, WideOid, oid};
use der::asn1::{
    Ia5String, Null, ObjectIdentifier, OctetString, PrintableStringRef, Utf8StringRef,
};
use der::{Any, Decode, Encode};
use spki::{SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use std::time::{Duration, SystemTime};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, AuthorityKeyIdentifier, BasicConstraints,
    CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RelativeDistinguishedName};
use x509_cert::time::Validity;

const DAY: Duration = Duration::from_secs(24 * 3600);
/// How far `notBefore` is set back from the time of issue.
const BACKDATE: Duration = Duration::from_secs(3600);

/// Where the platform publishes the CA (AIA and CRLDP URLs) and the policy it issues under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The `public_url` at issue, without a trailing slash (`https://tinh.example.vn`).
    pub public_url: String,
    /// The demo policy, `2.25.<uuid>` ([`WideOid::from_uuid`]).
    pub policy: WideOid,
}

impl Settings {
    pub fn new(public_url: &str, policy: WideOid) -> Settings {
        Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            policy,
        }
    }

    /// `POST <public_url>/pki/ocsp`.
    pub fn ocsp_url(&self) -> String {
        format!("{}/pki/ocsp", self.public_url)
    }

    /// `<public_url>/pki/ca/{root|issuing}.cer`.
    pub fn certificate_url(&self, ca: Ca) -> String {
        format!("{}/pki/ca/{}.cer", self.public_url, ca.file_stem())
    }

    /// `<public_url>/pki/crl/{root|issuing}.crl`.
    pub fn crl_url(&self, ca: Ca) -> String {
        format!("{}/pki/crl/{}.crl", self.public_url, ca.file_stem())
    }
}

/// One of the two CAs, as named in the published URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ca {
    Root,
    Issuing,
}

impl Ca {
    fn file_stem(self) -> &'static str {
        match self {
            Ca::Root => "root",
            Ca::Issuing => "issuing",
        }
    }
}

/// What a certificate is for; each role has its extensions and lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Self-signed, 20 years.
    Root,
    /// Under the root, pathLen 0, 10 years.
    IssuingCa,
    /// A person (leader or clerk), 2 years.
    Person,
    /// An agency's seal, 2 years.
    Agency,
    /// The delegated OCSP responder (OCSPSigning, ocsp-nocheck), 2 years.
    OcspResponder,
    /// The TSA (timeStamping, critical and alone), 5 years.
    TimeStamping,
}

impl Role {
    pub fn lifetime(self) -> Duration {
        DAY * match self {
            Role::Root => 20 * 365 + 5,
            Role::IssuingCa => 10 * 365 + 3,
            Role::TimeStamping => 5 * 365 + 1,
            Role::Person | Role::Agency | Role::OcspResponder => 2 * 365 + 1,
        }
    }
}

/// A certificate's subject: `C=VN, O=…, OU=…, CN=…, serialNumber=…` in that order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subject {
    pub common_name: String,
    pub organization: Option<String>,
    pub organizational_unit: Option<String>,
    /// X.520 serialNumber: an agency's code.
    pub serial_number: Option<String>,
}

impl Subject {
    /// A person, optionally with the agency they work for as O.
    pub fn person(name: &str, agency: Option<&str>) -> Subject {
        Subject {
            common_name: name.to_owned(),
            organization: agency.map(str::to_owned),
            ..Subject::default()
        }
    }

    /// An agency: CN and O its name, serialNumber its code (e.g. `000.00.14.H56`).
    pub fn agency(name: &str, code: &str) -> Subject {
        Subject {
            common_name: name.to_owned(),
            organization: Some(name.to_owned()),
            serial_number: Some(code.to_owned()),
            ..Subject::default()
        }
    }

    /// An authority of the demo CA: `O` is the organisation running it.
    pub fn authority(name: &str, organization: &str) -> Subject {
        Subject::person(name, Some(organization))
    }

    pub fn to_name(&self) -> Result<Name, CaError> {
        let mut name = Vec::new();
        push_rdn(&mut name, oid::AT_COUNTRY, printable("VN")?)?;
        let utf8 = [
            (oid::AT_ORGANIZATION, self.organization.as_deref()),
            (
                oid::AT_ORGANIZATIONAL_UNIT,
                self.organizational_unit.as_deref(),
            ),
            (oid::AT_COMMON_NAME, Some(self.common_name.as_str())),
        ];
        for (attribute, value) in utf8 {
            if let Some(value) = value {
                push_rdn(&mut name, attribute, utf8_string(value)?)?;
            }
        }
        if let Some(code) = &self.serial_number {
            push_rdn(&mut name, oid::AT_SERIAL_NUMBER, printable(code)?)?;
        }
        // x509-cert builds a `Name` only by decoding (or through its `hazmat` feature).
        Ok(Name::from_der(&name.to_der()?)?)
    }
}

fn printable(value: &str) -> Result<Any, CaError> {
    let text = PrintableStringRef::new(value)
        .map_err(|_| CaError::BadName(format!("\"{value}\" phải là PrintableString")))?;
    Ok(Any::encode_from(&text)?)
}

fn utf8_string(value: &str) -> Result<Any, CaError> {
    if value.trim().is_empty() || value.len() > 256 {
        return Err(CaError::BadName(format!("\"{value}\" rỗng hoặc quá dài")));
    }
    Ok(Any::encode_from(&Utf8StringRef::new(value)?)?)
}

fn push_rdn(
    name: &mut Vec<RelativeDistinguishedName>,
    attribute: ObjectIdentifier,
    value: Any,
) -> Result<(), CaError> {
    let atv = AttributeTypeAndValue {
        oid: attribute,
        value,
    };
    name.push(RelativeDistinguishedName::try_from(vec![atv])?);
    Ok(())
}

/// Our `BuilderProfile`: the subject, the issuer, and the extensions of design §5 by role.
#[derive(Clone, Debug)]
pub struct Profile {
    pub role: Role,
    pub subject: Name,
    /// `None` for the self-signed root.
    pub issuer: Option<Name>,
    /// The issuer's subject key identifier, for the AKI (computed from its key when absent).
    pub issuer_key_id: Option<OctetString>,
    pub settings: Settings,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut out = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let key_id = match &self.issuer_key_id {
            Some(id) => id.clone(),
            None => SubjectKeyIdentifier::try_from(issuer_spk)?.0,
        };
        out.push(extension(&ski, false)?);
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(key_id),
            ..Default::default()
        };
        out.push(extension(&aki, false)?);
        for extension in self.role_extensions()? {
            out.push(extension);
        }
        Ok(out)
    }
}

impl Profile {
    fn role_extensions(&self) -> der::Result<Vec<Extension>> {
        let s = &self.settings;
        let mut out = Vec::new();
        match self.role {
            Role::Root | Role::IssuingCa => {
                let path_len = (self.role == Role::IssuingCa).then_some(0);
                out.push(extension(&ca_constraints(path_len), true)?);
                out.push(key_usage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)?);
            }
            Role::Person | Role::Agency => {
                out.push(key_usage(
                    KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
                )?);
                let usages = vec![oid::KP_EMAIL_PROTECTION, oid::KP_DOCUMENT_SIGNING];
                out.push(extension(&ExtendedKeyUsage(usages), false)?);
            }
            Role::OcspResponder => {
                out.push(key_usage(KeyUsages::DigitalSignature.into())?);
                out.push(extension(
                    &ExtendedKeyUsage(vec![oid::KP_OCSP_SIGNING]),
                    false,
                )?);
                // RFC 6960 §4.2.2.2.1: clients need not check the responder's own status.
                out.push(raw_extension(oid::OCSP_NOCHECK, false, &Null)?);
            }
            Role::TimeStamping => {
                out.push(key_usage(
                    KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
                )?);
                // RFC 3161 §2.3: the only extended key usage, critical.
                out.push(extension(
                    &ExtendedKeyUsage(vec![oid::KP_TIME_STAMPING]),
                    true,
                )?);
            }
        }
        match self.role {
            Role::Root => {}
            Role::IssuingCa => {
                out.push(extension(
                    &access(None, &s.certificate_url(Ca::Root))?,
                    false,
                )?);
                out.push(extension(&distribution(&s.crl_url(Ca::Root))?, false)?);
            }
            Role::OcspResponder => {
                let ca_issuers = s.certificate_url(Ca::Issuing);
                out.push(extension(&access(None, &ca_issuers)?, false)?);
            }
            Role::Person | Role::Agency | Role::TimeStamping => {
                let ocsp = s.ocsp_url();
                let ca_issuers = s.certificate_url(Ca::Issuing);
                out.push(extension(&access(Some(&ocsp), &ca_issuers)?, false)?);
                out.push(extension(&distribution(&s.crl_url(Ca::Issuing))?, false)?);
            }
        }
        if self.role != Role::Root {
            let policies = vec![PolicyInformation {
                policy_identifier: s.policy.clone(),
                policy_qualifiers: None,
            }];
            out.push(raw_extension(
                oid::CE_CERTIFICATE_POLICIES,
                false,
                &policies,
            )?);
        }
        Ok(out)
    }
}

fn ca_constraints(path_len: Option<u8>) -> BasicConstraints {
    BasicConstraints {
        ca: true,
        path_len_constraint: path_len,
    }
}

fn key_usage(usages: der::flagset::FlagSet<KeyUsages>) -> der::Result<Extension> {
    extension(&KeyUsage(usages), true)
}

/// A typed extension with the criticality we choose (not the type's default).
fn extension<T: Encode + const_oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> der::Result<Extension> {
    raw_extension(T::OID, critical, value)
}

fn raw_extension(
    id: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> der::Result<Extension> {
    Ok(Extension {
        extn_id: id,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn uri(url: &str) -> der::Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(url)?))
}

fn access(ocsp: Option<&str>, ca_issuers: &str) -> der::Result<AuthorityInfoAccessSyntax> {
    let mut descriptions = Vec::new();
    if let Some(url) = ocsp {
        descriptions.push(AccessDescription {
            access_method: oid::AD_OCSP,
            access_location: uri(url)?,
        });
    }
    descriptions.push(AccessDescription {
        access_method: oid::AD_CA_ISSUERS,
        access_location: uri(ca_issuers)?,
    });
    Ok(AuthorityInfoAccessSyntax(descriptions))
}

fn distribution(crl: &str) -> der::Result<CrlDistributionPoints> {
    Ok(CrlDistributionPoints(vec![DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![uri(crl)?])),
        reasons: None,
        crl_issuer: None,
    }]))
}

/// `notBefore` an hour back, `notAfter` after the role's lifetime or at `cap`.
fn validity(role: Role, now: SystemTime, cap: Option<SystemTime>) -> Result<Validity, CaError> {
    let end = now + role.lifetime();
    let end = cap.map_or(end, |cap| end.min(cap));
    Ok(Validity::new(x509_time(now - BACKDATE)?, x509_time(end)?))
}

fn build(
    profile: Profile,
    validity: Validity,
    key: &SubjectPublicKeyInfoOwned,
    signer: &p256::ecdsa::SigningKey,
) -> Result<Certificate, CaError> {
    let builder = CertificateBuilder::new(profile, random_serial()?, validity, key.clone())?;
    Ok(builder.build::<_, p256::ecdsa::DerSignature>(signer)?)
}

/// A self-signed root CA over `key` (P-256).
pub fn root(
    subject: &Subject,
    key: &KeyPair,
    settings: &Settings,
    now: SystemTime,
) -> Result<Authority, CaError> {
    let KeyPair::P256(signing) = key else {
        return Err(CaError::NotP256);
    };
    let profile = Profile {
        role: Role::Root,
        subject: subject.to_name()?,
        issuer: None,
        issuer_key_id: None,
        settings: settings.clone(),
    };
    let certificate = build(
        profile,
        validity(Role::Root, now, None)?,
        &key.public_key_info()?,
        signing,
    )?;
    Authority::new(certificate, key)
}

impl Authority {
    /// A certificate for `public_key` in `role` (not [`Role::Root`]), signed by this authority.
    pub fn issue(
        &self,
        role: Role,
        subject: &Subject,
        public_key: &SubjectPublicKeyInfoOwned,
        settings: &Settings,
        now: SystemTime,
    ) -> Result<Certificate, CaError> {
        if role == Role::Root {
            return Err(CaError::BadName(
                "một chứng thư gốc tự ký, không cấp từ CA khác".into(),
            ));
        }
        let tbs = self.certificate.tbs_certificate();
        let issuer_key_id = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, ski))) => Some(ski.0),
            _ => None,
        };
        let profile = Profile {
            role,
            subject: subject.to_name()?,
            issuer: Some(tbs.subject().clone()),
            issuer_key_id,
            settings: settings.clone(),
        };
        let cap = tbs.validity().not_after.to_system_time();
        build(
            profile,
            validity(role, now, Some(cap))?,
            public_key,
            self.signing_key(),
        )
    }

    /// A new key of `algorithm` and its certificate.
    pub fn issue_with_new_key(
        &self,
        role: Role,
        subject: &Subject,
        algorithm: KeyAlgorithm,
        settings: &Settings,
        now: SystemTime,
    ) -> Result<(Certificate, KeyPair), CaError> {
        let key = KeyPair::generate(algorithm)?;
        let certificate = self.issue(role, subject, &key.public_key_info()?, settings, now)?;
        Ok((certificate, key))
    }

    /// A subordinate authority (issuing CA, OCSP responder, TSA) with a new P-256 key.
    pub fn issue_authority(
        &self,
        role: Role,
        subject: &Subject,
        settings: &Settings,
        now: SystemTime,
    ) -> Result<Authority, CaError> {
        let (certificate, key) =
            self.issue_with_new_key(role, subject, KeyAlgorithm::P256, settings, now)?;
        Authority::new(certificate, &key)
    }
}

/// The names of the demo authorities (design §5).
#[derive(Clone, Debug)]
pub struct DemoNames {
    pub root: Subject,
    pub issuing: Subject,
    pub ocsp: Subject,
    pub tsa: Subject,
}

impl Default for DemoNames {
    fn default() -> DemoNames {
        let organization = "Tỉnh Số DEMO";
        DemoNames {
            root: Subject::authority(
                "Tỉnh Số DEMO Root CA — KHÔNG CÓ GIÁ TRỊ PHÁP LÝ",
                organization,
            ),
            issuing: Subject::authority("Tỉnh Số DEMO Issuing CA", organization),
            ocsp: Subject::authority("Tỉnh Số DEMO OCSP", organization),
            tsa: Subject::authority("Tỉnh Số DEMO TSA", organization),
        }
    }
}

/// The four authorities of the demo: root → issuing CA → OCSP responder and TSA.
#[derive(Clone, Debug)]
pub struct DemoPki {
    pub root: Authority,
    pub issuing: Authority,
    pub ocsp: Authority,
    pub tsa: Authority,
    pub settings: Settings,
}

impl DemoPki {
    /// New keys and certificates for every authority, named as [`DemoNames::default`].
    pub fn create(settings: &Settings, now: SystemTime) -> Result<DemoPki, CaError> {
        DemoPki::create_named(&DemoNames::default(), settings, now)
    }

    pub fn create_named(
        names: &DemoNames,
        settings: &Settings,
        now: SystemTime,
    ) -> Result<DemoPki, CaError> {
        let root = root(
            &names.root,
            &KeyPair::generate(KeyAlgorithm::P256)?,
            settings,
            now,
        )?;
        let issuing = root.issue_authority(Role::IssuingCa, &names.issuing, settings, now)?;
        let ocsp = issuing.issue_authority(Role::OcspResponder, &names.ocsp, settings, now)?;
        let tsa = issuing.issue_authority(Role::TimeStamping, &names.tsa, settings, now)?;
        Ok(DemoPki {
            root,
            issuing,
            ocsp,
            tsa,
            settings: settings.clone(),
        })
    }
}
