//! The demo CA's rows (`pki_authorities`, `pki_certificates`): every statement of the module.
//! Certificates and CRLs travel as base64 of their DER, keys only sealed (see `pki`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// One authority as stored.
#[derive(Debug, Clone)]
pub struct AuthorityRow {
    pub role: String,
    pub subject: String,
    pub serial: String,
    /// Base64 of the certificate's DER.
    pub certificate: String,
    pub sealed_key: String,
    pub not_before: String,
    pub not_after: String,
    pub public_url: String,
    pub policy_uuid: String,
    /// Base64 of the current CRL's DER (root and issuing CA), until a revocation clears it.
    pub crl: Option<String>,
    pub crl_number: i64,
    pub crl_next_update: Option<String>,
    pub created_at: String,
}

const AUTHORITY: &str = "SELECT role, subject, serial, certificate, sealed_key, not_before, \
     not_after, public_url, policy_uuid, crl, crl_number, crl_next_update, created_at \
     FROM pki_authorities";

fn authority_row(r: &AnyRow) -> Result<AuthorityRow, sqlx::Error> {
    Ok(AuthorityRow {
        role: r.try_get("role")?,
        subject: r.try_get("subject")?,
        serial: r.try_get("serial")?,
        certificate: r.try_get("certificate")?,
        sealed_key: r.try_get("sealed_key")?,
        not_before: r.try_get("not_before")?,
        not_after: r.try_get("not_after")?,
        public_url: r.try_get("public_url")?,
        policy_uuid: r.try_get("policy_uuid")?,
        crl: r.try_get("crl")?,
        crl_number: r.try_get("crl_number")?,
        crl_next_update: r.try_get("crl_next_update")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Every authority, root first.
pub async fn authorities(db: &Db) -> Result<Vec<AuthorityRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{AUTHORITY} ORDER BY CASE role WHEN 'root' THEN 0 WHEN 'issuing' THEN 1 \
         WHEN 'ocsp' THEN 2 ELSE 3 END"
    )))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(authority_row).collect::<Result<_, _>>()?)
}

pub async fn authority(db: &Db, role: &str) -> Result<Option<AuthorityRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{AUTHORITY} WHERE role = $1")))
        .bind(role)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(authority_row).transpose()?)
}

/// The authority read in the caller's transaction (its lock already taken).
pub async fn authority_in(tx: &mut Conn, role: &str) -> Result<Option<AuthorityRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{AUTHORITY} WHERE role = $1")))
        .bind(role)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.as_ref().map(authority_row).transpose()?)
}

/// Stores an authority unless its role already has one; whether it was stored.
pub async fn insert_authority(tx: &mut Conn, a: &AuthorityRow) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO pki_authorities (role, subject, serial, certificate, sealed_key, not_before,
            not_after, public_url, policy_uuid, crl_number, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10)
         ON CONFLICT (role) DO NOTHING",
    )
    .bind(&a.role)
    .bind(&a.subject)
    .bind(&a.serial)
    .bind(&a.certificate)
    .bind(&a.sealed_key)
    .bind(&a.not_before)
    .bind(&a.not_after)
    .bind(&a.public_url)
    .bind(&a.policy_uuid)
    .bind(&a.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Keeps a newly signed CRL of the authority `role`.
pub async fn put_crl(
    tx: &mut Conn,
    role: &str,
    crl: &str,
    number: i64,
    next_update: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE pki_authorities SET crl = $2, crl_number = $3, crl_next_update = $4
          WHERE role = $1",
    )
    .bind(role)
    .bind(crl)
    .bind(number)
    .bind(next_update)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Drops the kept CRL of `role`: the next request builds one that lists the latest revocation.
pub async fn clear_crl(tx: &mut Conn, role: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE pki_authorities SET crl = NULL, crl_next_update = NULL WHERE role = $1")
        .bind(role)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// One issued certificate as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRow {
    pub id: String,
    pub serial: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub agency_id: Option<String>,
    pub subject: String,
    pub key_algorithm: String,
    pub not_before: String,
    pub not_after: String,
    pub status: String,
    pub revoked_at: Option<String>,
    pub reason: Option<String>,
    #[serde(skip)]
    pub certificate: String,
    #[serde(skip)]
    pub sealed_key: String,
    pub created_at: String,
    /// The issuing CA's name (RFC 4514, as x509 prints it): the register's key with `serial`.
    pub issuer: String,
    /// `demo` (issued by the demo CA, answered for by its OCSP and CRLs) or `external`.
    pub origin: String,
}

/// What the demo CA issued.
pub const DEMO: &str = "demo";
/// A certificate of an external CA, registered to an official.
pub const EXTERNAL: &str = "external";

const CERTIFICATE: &str = "SELECT id, serial, kind, user_id, agency_id, subject, key_algorithm, \
     not_before, not_after, status, revoked_at, reason, certificate, sealed_key, created_at, \
     issuer, origin FROM pki_certificates";

fn certificate_row(r: &AnyRow) -> Result<CertificateRow, sqlx::Error> {
    Ok(CertificateRow {
        id: r.try_get("id")?,
        serial: r.try_get("serial")?,
        kind: r.try_get("kind")?,
        user_id: r.try_get("user_id")?,
        agency_id: r.try_get("agency_id")?,
        subject: r.try_get("subject")?,
        key_algorithm: r.try_get("key_algorithm")?,
        not_before: r.try_get("not_before")?,
        not_after: r.try_get("not_after")?,
        status: r.try_get("status")?,
        revoked_at: r.try_get("revoked_at")?,
        reason: r.try_get("reason")?,
        certificate: r.try_get("certificate")?,
        sealed_key: r.try_get("sealed_key")?,
        created_at: r.try_get("created_at")?,
        issuer: r.try_get("issuer")?,
        origin: r.try_get("origin")?,
    })
}

pub async fn insert_certificate(tx: &mut Conn, c: &CertificateRow) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO pki_certificates (id, serial, kind, user_id, agency_id, subject,
            key_algorithm, not_before, not_after, status, certificate, sealed_key, created_at,
            issuer, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'good', $10, $11, $12, $13, $14)",
    )
    .bind(&c.id)
    .bind(&c.serial)
    .bind(&c.kind)
    .bind(&c.user_id)
    .bind(&c.agency_id)
    .bind(&c.subject)
    .bind(&c.key_algorithm)
    .bind(&c.not_before)
    .bind(&c.not_after)
    .bind(&c.certificate)
    .bind(&c.sealed_key)
    .bind(&c.created_at)
    .bind(&c.issuer)
    .bind(&c.origin)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn certificate(db: &Db, id: &str) -> Result<Option<CertificateRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{CERTIFICATE} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(certificate_row).transpose()?)
}

/// What OCSP needs of a serial: its status, and when and why it was revoked.
#[derive(Debug, Clone)]
pub struct SerialState {
    pub serial: String,
    pub status: String,
    pub revoked_at: Option<String>,
    pub reason: Option<String>,
}

/// The stored state of each of `serials` (lower-case hex) that the demo CA issued: the people's
/// and agencies' certificates, and the responder's and TSA's (always good). Certificates of
/// external CAs in the register are not the demo responder's to answer for.
pub async fn serial_states(db: &Db, serials: &[String]) -> Result<Vec<SerialState>, AppError> {
    if serials.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=serials.len()).map(|n| format!("${n}")).collect();
    let marks = marks.join(", ");
    let sql = format!(
        "SELECT serial, status, revoked_at, reason FROM pki_certificates
          WHERE origin = 'demo' AND serial IN ({marks})
         UNION ALL
         SELECT serial, 'good', NULL, NULL FROM pki_authorities
          WHERE role IN ('ocsp', 'tsa') AND serial IN ({marks})"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for serial in serials {
        query = query.bind(serial);
    }
    let rows = query.fetch_all(&db.pool).await?;
    Ok(rows.iter().map(serial_state).collect::<Result<_, _>>()?)
}

fn serial_state(r: &AnyRow) -> Result<SerialState, sqlx::Error> {
    Ok(SerialState {
        serial: r.try_get("serial")?,
        status: r.try_get("status")?,
        revoked_at: r.try_get("revoked_at")?,
        reason: r.try_get("reason")?,
    })
}

/// Every revoked certificate the demo CA issued, for the issuing CA's CRL, oldest revocation
/// first.
pub async fn revoked(tx: &mut Conn) -> Result<Vec<SerialState>, AppError> {
    let rows = sqlx::query(
        "SELECT serial, status, revoked_at, reason FROM pki_certificates
          WHERE status = 'revoked' AND origin = 'demo' ORDER BY revoked_at, serial",
    )
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.iter().map(serial_state).collect::<Result<_, _>>()?)
}

/// Revokes a certificate still good; whether it was.
pub async fn revoke(tx: &mut Conn, id: &str, at: &str, reason: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE pki_certificates SET status = 'revoked', revoked_at = $2, reason = $3
          WHERE id = $1 AND status = 'good'",
    )
    .bind(id)
    .bind(at)
    .bind(reason)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One certificate of the administrators' list, with its holder's email.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub certificate: CertificateRow,
    pub email: Option<String>,
    pub agency_code: Option<String>,
}

/// A page of the issued certificates, newest first, and how many there are in all.
pub async fn certificates_page(
    db: &Db,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Listed>, i64), AppError> {
    let rows = sqlx::query(
        "SELECT c.id, c.serial, c.kind, c.user_id, c.agency_id, c.subject, c.key_algorithm,
                c.not_before, c.not_after, c.status, c.revoked_at, c.reason, c.certificate,
                c.sealed_key, c.created_at, c.issuer, c.origin, u.email, a.code AS agency_code
           FROM pki_certificates c
           LEFT JOIN users u ON u.id = c.user_id
           LEFT JOIN agencies a ON a.id = c.agency_id
          ORDER BY c.created_at DESC, c.id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let listed = rows
        .iter()
        .map(|r| {
            Ok(Listed {
                certificate: certificate_row(r)?,
                email: r.try_get("email")?,
                agency_code: r.try_get("agency_code")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM pki_certificates")
        .fetch_one(&db.pool)
        .await?
        .try_get("n")?;
    Ok((listed, total))
}

/// A demo official who gets a certificate: a leader or a document clerk, with their agency.
#[derive(Debug, Clone)]
pub struct Signer {
    pub user_id: String,
    pub full_name: String,
    pub role: String,
    pub agency_id: String,
    pub agency_name: String,
    pub agency_code: String,
}

/// Active officials holding `leader` or `document_clerk`, by agency code and name.
pub async fn signers(db: &Db) -> Result<Vec<Signer>, AppError> {
    let rows = sqlx::query(
        "SELECT u.id, u.full_name, r.role, a.id AS agency_id, a.name AS agency_name,
                a.code AS agency_code
           FROM users u
           JOIN user_roles r ON r.user_id = u.id
           JOIN agencies a ON a.id = u.agency_id
          WHERE u.disabled = 0 AND r.role IN ('leader', 'document_clerk')
          ORDER BY a.code, u.full_name, r.role",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Signer {
                user_id: r.try_get("id")?,
                full_name: r.try_get("full_name")?,
                role: r.try_get("role")?,
                agency_id: r.try_get("agency_id")?,
                agency_name: r.try_get("agency_name")?,
                agency_code: r.try_get("agency_code")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A revocation answer fetched online, as kept in `revocation_cache` (`answer` `None`: the
/// fetch failed and is not tried again before `keep_until`).
pub struct KeptAnswer<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    pub url: &'a str,
    pub answer: Option<&'a [u8]>,
    pub keep_until: &'a str,
}

/// `Some(answer)` when the cache holds a current answer under `key` (`Some(None)`: a recent
/// failure).
pub async fn cached_answer(db: &Db, key: &str) -> Result<Option<Option<Vec<u8>>>, AppError> {
    let row = sqlx::query("SELECT answer FROM revocation_cache WHERE key = $1 AND keep_until > $2")
        .bind(key)
        .bind(tinhso_kernel::time::now_text())
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let answer: Option<String> = row.try_get("answer")?;
    Ok(Some(answer.and_then(|a| B64.decode(a).ok())))
}

/// Keeps an answer (or a failure), replacing what was kept under its key: two nodes fetching at
/// once both write, the later one wins, either is right.
pub async fn keep_answer(db: &Db, kept: &KeptAnswer<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO revocation_cache (key, kind, url, answer, keep_until, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (key) DO UPDATE SET answer = excluded.answer,
           keep_until = excluded.keep_until, fetched_at = excluded.fetched_at",
    )
    .bind(kept.key)
    .bind(kept.kind)
    .bind(kept.url)
    .bind(kept.answer.map(|a| B64.encode(a)))
    .bind(kept.keep_until)
    .bind(tinhso_kernel::time::now_text())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Forgets answers past their time (the hourly sweep).
pub async fn purge_answers(db: &Db) -> Result<u64, AppError> {
    let done = sqlx::query("DELETE FROM revocation_cache WHERE keep_until <= $1")
        .bind(tinhso_kernel::time::now_text())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// The certificate the register holds under `issuer` and `serial` (lower-case hex), if any:
/// how a certificate someone presents is matched to its holder.
pub async fn certificate_by_issuer_serial(
    db: &Db,
    issuer: &str,
    serial: &str,
) -> Result<Option<CertificateRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE} WHERE issuer = $1 AND serial = $2"
    )))
    .bind(issuer)
    .bind(serial)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(certificate_row).transpose()?)
}

/// The newest personal certificate issued to `user_id` whose key the platform holds (the one
/// it signs with for them), if any: a certificate of a key kept on their token has none.
pub async fn person_certificate(
    db: &Db,
    user_id: &str,
) -> Result<Option<CertificateRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE} WHERE user_id = $1 AND kind = 'person' AND sealed_key <> '' \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(certificate_row).transpose()?)
}

/// The newest certificate issued to agency `agency_id` (its seal), if any, wherever its key is
/// (the platform, an HSM, the document clerk's token): what an HSM key without a certificate
/// adopts.
pub async fn agency_certificate(
    db: &Db,
    agency_id: &str,
) -> Result<Option<CertificateRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE} WHERE agency_id = $1 AND kind = 'agency' ORDER BY created_at DESC, id DESC LIMIT 1"
    )))
    .bind(agency_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(certificate_row).transpose()?)
}

/// The newest certificate of agency `agency_id` whose key the platform holds, if any: the one
/// it seals with in software (a keyless one, on a token or in an HSM, never shadows it).
pub async fn agency_certificate_with_key(
    db: &Db,
    agency_id: &str,
) -> Result<Option<CertificateRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE} WHERE agency_id = $1 AND kind = 'agency' AND sealed_key <> '' \
         ORDER BY created_at DESC, id DESC LIMIT 1"
    )))
    .bind(agency_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.as_ref().map(certificate_row).transpose()?)
}

/// The agency `reference` names (its code, or its id): `(id, code)`, for `agency_keys`.
pub async fn agency_by_reference(
    db: &Db,
    reference: &str,
) -> Result<Option<(String, String)>, AppError> {
    let row = sqlx::query("SELECT id, code FROM agencies WHERE code = $1 OR id = $1 LIMIT 1")
        .bind(reference)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row
        .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("code")?)))
        .transpose()?)
}

/// The agency `reference` names (its code, or its id): `(id, code, name)`.
pub async fn agency_named(
    db: &Db,
    reference: &str,
) -> Result<Option<(String, String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, code, name FROM agencies WHERE code = $1 OR id = $1 LIMIT 1")
            .bind(reference.trim())
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The code (mã định danh) of agency `agency_id`.
pub async fn agency_code(db: &Db, agency_id: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT code FROM agencies WHERE id = $1")
        .bind(agency_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.try_get("code")).transpose()?)
}

/// Whom the register holds each of `certificates` (issuer, lower-case hex serial) for:
/// `(issuer, serial, kind, user_id, agency_id)` for the people's and agencies' certificates
/// among them.
#[allow(clippy::type_complexity)]
pub async fn holders(
    db: &Db,
    certificates: &[(String, String)],
) -> Result<Vec<(String, String, String, Option<String>, Option<String>)>, AppError> {
    if certificates.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=certificates.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT issuer, serial, kind, user_id, agency_id FROM pki_certificates WHERE serial IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, serial) in certificates {
        query = query.bind(serial);
    }
    let rows = query.fetch_all(&db.pool).await?;
    let found = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("issuer")?,
                r.try_get("serial")?,
                r.try_get("kind")?,
                r.try_get("user_id")?,
                r.try_get("agency_id")?,
            ))
        })
        .collect::<Result<Vec<(String, String, String, Option<String>, Option<String>)>, sqlx::Error>>()?;
    // Matched by issuer too: a serial alone names a certificate only within its CA.
    Ok(found
        .into_iter()
        .filter(|h| certificates.iter().any(|(i, s)| *i == h.0 && *s == h.1))
        .collect())
}

/// The official `user_id`'s certificates in the register, newest first (their profile page).
pub async fn certificates_of_user(db: &Db, user_id: &str) -> Result<Vec<CertificateRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CERTIFICATE} WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    )))
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(certificate_row).collect::<Result<_, _>>()?)
}

/// The official whose address is `email` (any case): user id, full name, agency name.
pub async fn official_by_email(
    db: &Db,
    email: &str,
) -> Result<Option<(String, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.full_name, a.name FROM users u JOIN agencies a ON a.id = u.agency_id
          WHERE lower(u.email) = lower($1) AND u.kind = 'official'",
    )
    .bind(email.trim())
    .fetch_optional(&db.pool)
    .await?)
}

/// A signature or seal image as kept (`stamp_images`): one per owner, the file in the object
/// store ([`crate::images`]).
#[derive(Debug, Clone)]
pub struct StampImageRow {
    /// `person` or `agency`.
    pub owner_kind: String,
    pub owner_id: String,
    pub storage_key: String,
    pub media_type: String,
    pub sha256: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

const STAMP_IMAGE: &str = "SELECT owner_kind, owner_id, storage_key, media_type, sha256, width, \
     height, bytes, uploaded_by, uploaded_at FROM stamp_images \
     WHERE owner_kind = $1 AND owner_id = $2";

fn stamp_image_row(r: &AnyRow) -> Result<StampImageRow, sqlx::Error> {
    Ok(StampImageRow {
        owner_kind: r.try_get("owner_kind")?,
        owner_id: r.try_get("owner_id")?,
        storage_key: r.try_get("storage_key")?,
        media_type: r.try_get("media_type")?,
        sha256: r.try_get("sha256")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        bytes: r.try_get("bytes")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_at: r.try_get("uploaded_at")?,
    })
}

/// The image `owner_kind` `owner_id` keeps, if any.
pub async fn stamp_image(
    db: &Db,
    owner_kind: &str,
    owner_id: &str,
) -> Result<Option<StampImageRow>, AppError> {
    let row = sqlx::query(STAMP_IMAGE)
        .bind(owner_kind)
        .bind(owner_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.as_ref().map(stamp_image_row).transpose()?)
}

/// [`stamp_image`] inside a transaction.
pub async fn stamp_image_in(
    tx: &mut Conn,
    owner_kind: &str,
    owner_id: &str,
) -> Result<Option<StampImageRow>, AppError> {
    let row = sqlx::query(STAMP_IMAGE)
        .bind(owner_kind)
        .bind(owner_id)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.as_ref().map(stamp_image_row).transpose()?)
}

/// Keeps `r` as its owner's image, in place of the one before.
pub async fn put_stamp_image(tx: &mut Conn, r: &StampImageRow) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO stamp_images (owner_kind, owner_id, storage_key, media_type, sha256, width,
            height, bytes, uploaded_by, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (owner_kind, owner_id) DO UPDATE SET storage_key = excluded.storage_key,
            media_type = excluded.media_type, sha256 = excluded.sha256, width = excluded.width,
            height = excluded.height, bytes = excluded.bytes, uploaded_by = excluded.uploaded_by,
            uploaded_at = excluded.uploaded_at",
    )
    .bind(&r.owner_kind)
    .bind(&r.owner_id)
    .bind(&r.storage_key)
    .bind(&r.media_type)
    .bind(&r.sha256)
    .bind(r.width)
    .bind(r.height)
    .bind(r.bytes)
    .bind(&r.uploaded_by)
    .bind(&r.uploaded_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Forgets the owner's image.
pub async fn delete_stamp_image(
    tx: &mut Conn,
    owner_kind: &str,
    owner_id: &str,
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM stamp_images WHERE owner_kind = $1 AND owner_id = $2")
        .bind(owner_kind)
        .bind(owner_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The official `user_id` (an official's account): user id, full name, agency name.
pub async fn official_by_id(
    db: &Db,
    user_id: &str,
) -> Result<Option<(String, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.full_name, a.name FROM users u JOIN agencies a ON a.id = u.agency_id
          WHERE u.id = $1 AND u.kind = 'official'",
    )
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Registers an external CA's certificate unless the register holds its issuer and serial;
/// whether it was stored.
pub async fn insert_external(tx: &mut Conn, c: &CertificateRow) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO pki_certificates (id, serial, kind, user_id, agency_id, subject,
            key_algorithm, not_before, not_after, status, certificate, sealed_key, created_at,
            issuer, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'good', $10, '', $11, $12, 'external')
         ON CONFLICT (issuer, serial) DO NOTHING",
    )
    .bind(&c.id)
    .bind(&c.serial)
    .bind(&c.kind)
    .bind(&c.user_id)
    .bind(&c.agency_id)
    .bind(&c.subject)
    .bind(&c.key_algorithm)
    .bind(&c.not_before)
    .bind(&c.not_after)
    .bind(&c.certificate)
    .bind(&c.created_at)
    .bind(&c.issuer)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
