//! Every statement of the documents module (docs/ARCHITECTURE.md: SQL only in stores).

pub mod appendices;
pub mod arrival;
pub mod processing;
pub mod reservations;

use crate::{Direction, Document, State};
use sqlx::Row;
use sqlx::any::AnyRow;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

pub mod texts;

/// A document's columns, for the `SELECT`s below.
macro_rules! document_columns {
    () => {
        "d.id, d.agency_id, d.direction, d.state, d.doc_type, d.urgency, d.subject,
    d.drafting_unit_id, d.drafter_id, d.signer_position, d.signer_full_name, d.authority_prefix,
    d.page_amount, d.issued_amount, d.description, d.due_date, d.code_number, d.code_notation,
    d.issued_date, d.organ_id, d.organ_name, d.reg_number, d.reg_year, d.arrival_date, d.source,
    d.origin_id, d.created_at, d.updated_at"
    };
}

pub(crate) const SELECT: &str = concat!("SELECT ", document_columns!(), " FROM documents d");

/// The documents with the body of each one's search entry (kind `document`).
const SELECT_WITH_SEARCH_BODY: &str = concat!(
    "SELECT ",
    document_columns!(),
    ", se.body AS search_body FROM documents d
    LEFT JOIN search_entries se ON se.kind = 'document' AND se.entry_id = d.id"
);

fn corrupt(what: &str, value: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("documents: unknown {what} {value:?}"))
}

pub(crate) fn document(row: &AnyRow) -> Result<Document, AppError> {
    let direction: String = row.try_get("direction")?;
    let state: String = row.try_get("state")?;
    let (direction, state) = match direction.as_str() {
        "out" => (
            Direction::Out,
            State::Out(state.parse().map_err(|_| corrupt("state", &state))?),
        ),
        "in" => (
            Direction::In,
            State::In(state.parse().map_err(|_| corrupt("state", &state))?),
        ),
        other => return Err(corrupt("direction", other)),
    };
    let doc_type: String = row.try_get("doc_type")?;
    let urgency: String = row.try_get("urgency")?;
    Ok(Document {
        id: row.try_get("id")?,
        agency_id: row.try_get("agency_id")?,
        direction,
        state,
        doc_type: doc_type.parse().map_err(|_| corrupt("type", &doc_type))?,
        urgency: urgency.parse().map_err(|_| corrupt("urgency", &urgency))?,
        subject: row.try_get("subject")?,
        drafting_unit_id: row.try_get("drafting_unit_id")?,
        drafter_id: row.try_get("drafter_id")?,
        signer_position: row.try_get("signer_position")?,
        signer_full_name: row.try_get("signer_full_name")?,
        authority_prefix: row.try_get("authority_prefix")?,
        page_amount: row.try_get("page_amount")?,
        issued_amount: row.try_get("issued_amount")?,
        description: row.try_get("description")?,
        due_date: row.try_get("due_date")?,
        code_number: row.try_get("code_number")?,
        code_notation: row.try_get("code_notation")?,
        issued_date: row.try_get("issued_date")?,
        organ_id: row.try_get("organ_id")?,
        organ_name: row.try_get("organ_name")?,
        reg_number: row.try_get("reg_number")?,
        reg_year: row.try_get("reg_year")?,
        arrival_date: row.try_get("arrival_date")?,
        source: row.try_get("source")?,
        origin_id: row.try_get("origin_id")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The abbreviation an agency (an issuer or a unit) uses in notations, if it has one.
pub async fn abbreviation(db: &Db, agency_id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT abbreviation FROM doc_units WHERE agency_id = $1")
            .bind(agency_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(a,)| a))
}

/// [`abbreviation`], inside a transaction.
pub async fn abbreviation_in(tx: &mut Conn, agency_id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT abbreviation FROM doc_units WHERE agency_id = $1")
            .bind(agency_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(|(a,)| a))
}

/// Sets an agency's abbreviation (demo data and, later, the agency admin's form).
pub async fn set_abbreviation(
    tx: &mut Conn,
    agency_id: &str,
    abbreviation: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO doc_units (agency_id, abbreviation, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (agency_id) DO UPDATE SET abbreviation = $2, updated_at = $3",
    )
    .bind(agency_id)
    .bind(abbreviation)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A new row of `documents`.
#[derive(Debug)]
pub struct NewDocument<'a> {
    pub id: &'a str,
    pub agency_id: &'a str,
    pub direction: Direction,
    pub state: &'a str,
    pub doc_type: &'a str,
    pub urgency: &'a str,
    pub subject: &'a str,
    pub subject_folded: &'a str,
    pub drafting_unit_id: Option<&'a str>,
    pub drafter_id: Option<&'a str>,
    pub signer_position: &'a str,
    pub signer_full_name: &'a str,
    pub authority_prefix: Option<&'a str>,
    pub page_amount: i64,
    pub issued_amount: i64,
    pub description: &'a str,
    pub due_date: Option<&'a str>,
    pub code_number: Option<&'a str>,
    pub code_notation: Option<&'a str>,
    pub issued_date: Option<&'a str>,
    pub organ_id: &'a str,
    pub organ_name: &'a str,
    /// The register's (sequence, year, number), for incoming rows.
    pub register: Option<(&'a str, i64, i64)>,
    pub arrival_date: Option<&'a str>,
    pub source: Option<&'a str>,
    pub origin_id: Option<&'a str>,
    pub duplicate_key: Option<&'a str>,
    pub created_by: Option<&'a str>,
    pub now: &'a str,
}

pub async fn insert_document(tx: &mut Conn, d: &NewDocument<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO documents (id, agency_id, direction, state, doc_type, urgency, subject, subject_folded,
            drafting_unit_id, drafter_id, signer_position, signer_full_name, authority_prefix,
            page_amount, issued_amount, description, due_date, code_number, code_notation, issued_date,
            organ_id, organ_name, reg_sequence, reg_year, reg_number, arrival_date, source, origin_id,
            duplicate_key, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
            $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $31)",
    )
    .bind(d.id)
    .bind(d.agency_id)
    .bind(d.direction.as_str())
    .bind(d.state)
    .bind(d.doc_type)
    .bind(d.urgency)
    .bind(d.subject)
    .bind(d.subject_folded)
    .bind(d.drafting_unit_id)
    .bind(d.drafter_id)
    .bind(d.signer_position)
    .bind(d.signer_full_name)
    .bind(d.authority_prefix)
    .bind(d.page_amount)
    .bind(d.issued_amount)
    .bind(d.description)
    .bind(d.due_date)
    .bind(d.code_number)
    .bind(d.code_notation)
    .bind(d.issued_date)
    .bind(d.organ_id)
    .bind(d.organ_name)
    .bind(d.register.map(|r| r.0))
    .bind(d.register.map(|r| r.1))
    .bind(d.register.map(|r| r.2))
    .bind(d.arrival_date)
    .bind(d.source)
    .bind(d.origin_id)
    .bind(d.duplicate_key)
    .bind(d.created_by)
    .bind(d.now)
    .execute(&mut *tx)
    .await?;
    crate::search::reindex(tx, d.id, None).await?;
    Ok(())
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Document>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(document).transpose()
}

/// The documents of `ids` that exist, in no particular order (one query).
pub async fn by_ids(db: &Db, ids: &[&str]) -> Result<Vec<Document>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!("{SELECT} WHERE d.id IN ({})", list.join(", "));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter().map(document).collect()
}

/// The documents of `ids` with the body of each one's search entry (its description and
/// text, for the snippet): the search's page in one statement. A document without an
/// entry has an empty body.
pub async fn by_ids_with_search_body(
    db: &Db,
    ids: &[&str],
) -> Result<Vec<(Document, String)>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "{SELECT_WITH_SEARCH_BODY} WHERE d.id IN ({})",
        list.join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|row| {
            let body: Option<String> = row.try_get("search_body")?;
            Ok((document(row)?, body.unwrap_or_default()))
        })
        .collect()
}

/// The document, its row locked until the transaction ends.
pub async fn for_update(db: &Db, tx: &mut Conn, id: &str) -> Result<Option<Document>, AppError> {
    let lock = db.lock_rows("d");
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    row.as_ref().map(document).transpose()
}

/// The incoming documents of an agency, newest arrival first.
pub async fn incoming(db: &Db, agency_id: &str, limit: i64) -> Result<Vec<Document>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.agency_id = $1 AND d.direction = 'in'
         ORDER BY d.reg_year DESC, d.reg_number DESC LIMIT $2"
    )))
    .bind(agency_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(document).collect()
}

/// The copies delivered on the platform of outgoing document `origin_id`: (id, state).
pub async fn copies(tx: &mut Conn, origin_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, state FROM documents WHERE origin_id = $1 AND direction = 'in' ORDER BY id",
    )
    .bind(origin_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// The earlier registration with the same duplicate key in this agency: (id, arrival number,
/// arrival year).
pub async fn duplicate(
    tx: &mut Conn,
    agency_id: &str,
    key: &str,
) -> Result<Option<(String, Option<i64>, Option<i64>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, reg_number, reg_year FROM documents
         WHERE agency_id = $1 AND direction = 'in' AND duplicate_key = $2
         ORDER BY created_at LIMIT 1",
    )
    .bind(agency_id)
    .bind(key)
    .fetch_optional(&mut *tx)
    .await?)
}

pub async fn set_state(tx: &mut Conn, id: &str, state: &str, now: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE documents SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    crate::search::reindex(tx, id, None).await?;
    Ok(())
}

/// The signature block as the signer gives it when signing.
pub async fn set_signer(
    tx: &mut Conn,
    id: &str,
    position: &str,
    full_name: &str,
    prefix: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE documents SET signer_position = $2, signer_full_name = $3, authority_prefix = $4
         WHERE id = $1",
    )
    .bind(id)
    .bind(position)
    .bind(full_name)
    .bind(prefix)
    .execute(&mut *tx)
    .await?;
    crate::search::reindex(tx, id, None).await?;
    Ok(())
}

/// Takes the next number of a register and returns it: one statement, whose row lock holds
/// any other issuer of the same register until this transaction ends, so numbers follow the
/// order of commits with no gap (a rolled-back issue gives its number back) and no duplicate.
pub async fn take_number(
    tx: &mut Conn,
    agency_id: &str,
    direction: Direction,
    sequence: &str,
    year: i64,
) -> Result<i64, AppError> {
    let row = sqlx::query(
        "INSERT INTO doc_registers (agency_id, direction, sequence, year, next_number)
         VALUES ($1, $2, $3, $4, 2)
         ON CONFLICT (agency_id, direction, sequence, year)
         DO UPDATE SET next_number = doc_registers.next_number + 1
         RETURNING next_number",
    )
    .bind(agency_id)
    .bind(direction.as_str())
    .bind(sequence)
    .bind(year)
    .fetch_one(&mut *tx)
    .await?;
    let next: i64 = row.try_get("next_number")?;
    Ok(next - 1)
}

/// Takes `n` consecutive numbers of a register at once (the bulk loader of sample documents);
/// returns the first.
pub async fn take_numbers(
    tx: &mut Conn,
    agency_id: &str,
    direction: Direction,
    sequence: &str,
    year: i64,
    n: i64,
) -> Result<i64, AppError> {
    let row = sqlx::query(
        "INSERT INTO doc_registers (agency_id, direction, sequence, year, next_number)
         VALUES ($1, $2, $3, $4, 1 + $5)
         ON CONFLICT (agency_id, direction, sequence, year)
         DO UPDATE SET next_number = doc_registers.next_number + $5
         RETURNING next_number",
    )
    .bind(agency_id)
    .bind(direction.as_str())
    .bind(sequence)
    .bind(year)
    .bind(n)
    .fetch_one(&mut *tx)
    .await?;
    let next: i64 = row.try_get("next_number")?;
    Ok(next - n)
}

/// What issuing writes on the outgoing row.
#[derive(Debug)]
pub struct Issued<'a> {
    pub sequence: &'a str,
    pub year: i64,
    pub number: i64,
    pub code_number: &'a str,
    pub code_notation: &'a str,
    pub issued_date: &'a str,
    pub state: &'a str,
    pub now: &'a str,
}

pub async fn set_issued(tx: &mut Conn, id: &str, i: &Issued<'_>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE documents SET reg_sequence = $2, reg_year = $3, reg_number = $4, code_number = $5,
            code_notation = $6, issued_date = $7, state = $8, updated_at = $9
         WHERE id = $1",
    )
    .bind(id)
    .bind(i.sequence)
    .bind(i.year)
    .bind(i.number)
    .bind(i.code_number)
    .bind(i.code_notation)
    .bind(i.issued_date)
    .bind(i.state)
    .bind(i.now)
    .execute(&mut *tx)
    .await?;
    crate::search::reindex(tx, id, None).await?;
    Ok(())
}

/// A recipient of an outgoing document.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Recipient {
    pub id: String,
    pub agency_id: Option<String>,
    pub agency_code: Option<String>,
    pub name: String,
    pub incoming_id: Option<String>,
    pub delivered_at: Option<String>,
    /// Outside recipients reached through the exchange: `queued`, `sent`, `failed`.
    pub exchange_state: Option<String>,
    pub exchange_detail: Option<String>,
    /// The last edXML status the recipient sent back (`01`, `03`, …).
    pub exchange_status: Option<String>,
    /// The description sent with it (a refusal's reason).
    pub exchange_status_detail: Option<String>,
    /// Our recall of it: `requested`, `accepted`, `refused` (with the recipient's reason in
    /// `exchange_recall_detail`), or `withdrawn` (never sent).
    pub exchange_recall: Option<String>,
    pub exchange_recall_detail: Option<String>,
}

pub async fn insert_recipient(
    tx: &mut Conn,
    document_id: &str,
    position: i64,
    agency_id: Option<&str>,
    name: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_recipients (id, document_id, position, agency_id, name)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(document_id)
    .bind(position)
    .bind(agency_id)
    .bind(name)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const RECIPIENTS: &str =
    "SELECT r.id, r.agency_id, COALESCE(a.code, r.organ_id) AS agency_code, r.name, r.incoming_id,
        r.delivered_at, r.exchange_state, r.exchange_detail, r.exchange_status,
        r.exchange_status_detail, r.exchange_recall, r.exchange_recall_detail
     FROM document_recipients r LEFT JOIN agencies a ON a.id = r.agency_id
     WHERE r.document_id = $1 ORDER BY r.position";

pub async fn recipients(db: &Db, document_id: &str) -> Result<Vec<Recipient>, AppError> {
    Ok(sqlx::query_as(RECIPIENTS)
        .bind(document_id)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn recipients_in(tx: &mut Conn, document_id: &str) -> Result<Vec<Recipient>, AppError> {
    Ok(sqlx::query_as(RECIPIENTS)
        .bind(document_id)
        .fetch_all(&mut *tx)
        .await?)
}

pub async fn mark_delivered(
    tx: &mut Conn,
    recipient_id: &str,
    incoming_id: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE document_recipients SET incoming_id = $2, delivered_at = $3 WHERE id = $1")
        .bind(recipient_id)
        .bind(incoming_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A stored file of a document.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct Version {
    pub id: String,
    pub version: i64,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub created_at: String,
}

pub async fn next_version(tx: &mut Conn, document_id: &str) -> Result<i64, AppError> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(version), 0) AS last FROM document_versions WHERE document_id = $1",
    )
    .bind(document_id)
    .fetch_one(&mut *tx)
    .await?;
    let last: i64 = row.try_get("last")?;
    Ok(last + 1)
}

pub async fn insert_version(
    tx: &mut Conn,
    document_id: &str,
    v: &Version,
    uploaded_by: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_versions (id, document_id, version, file_name, media_type, size_bytes,
            sha256, storage_key, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&v.id)
    .bind(document_id)
    .bind(v.version)
    .bind(&v.file_name)
    .bind(&v.media_type)
    .bind(v.size_bytes)
    .bind(&v.sha256)
    .bind(&v.storage_key)
    .bind(uploaded_by)
    .bind(&v.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const VERSIONS: &str =
    "SELECT id, version, file_name, media_type, size_bytes, sha256, storage_key, created_at
     FROM document_versions WHERE document_id = $1 ORDER BY version";

pub async fn versions(db: &Db, document_id: &str) -> Result<Vec<Version>, AppError> {
    Ok(sqlx::query_as(VERSIONS)
        .bind(document_id)
        .fetch_all(&db.pool)
        .await?)
}

/// The versions of a document, inside a transaction, in order.
pub async fn versions_in(tx: &mut Conn, document_id: &str) -> Result<Vec<Version>, AppError> {
    Ok(sqlx::query_as(VERSIONS)
        .bind(document_id)
        .fetch_all(&mut *tx)
        .await?)
}

/// The id of the account with this email (the demo's people).
pub async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// One read of a document, as its access log shows it.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct Read {
    pub user_id: String,
    pub full_name: String,
    pub read_at: String,
}

/// Logs that `user_id` read the document (its own short transaction: a read changes nothing
/// else).
pub async fn record_read(
    db: &Db,
    document_id: &str,
    user_id: &str,
    client_ip: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_reads (id, document_id, user_id, client_ip, read_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(document_id)
    .bind(user_id)
    .bind(client_ip)
    .bind(tinhso_kernel::time::now_text())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The latest reads of a document, newest first.
pub async fn reads(db: &Db, document_id: &str, limit: i64) -> Result<Vec<Read>, AppError> {
    Ok(sqlx::query_as::<_, Read>(
        "SELECT r.user_id, u.full_name, r.read_at FROM document_reads r \
         JOIN users u ON u.id = r.user_id WHERE r.document_id = $1 \
         ORDER BY r.read_at DESC, r.id DESC LIMIT $2",
    )
    .bind(document_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Names the one-stop dossier a draft is the decision of.
pub async fn set_dossier_code(
    tx: &mut Conn,
    document_id: &str,
    code: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE documents SET dossier_code = $1 WHERE id = $2")
        .bind(code)
        .bind(document_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The one-stop dossier a document is the decision of, if any.
pub async fn dossier_code_in(tx: &mut Conn, document_id: &str) -> Result<Option<String>, AppError> {
    let row = sqlx::query("SELECT dossier_code FROM documents WHERE id = $1")
        .bind(document_id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(row.try_get("dossier_code")?)
}

/// Names the issued document a draft replaces.
pub async fn set_replaces(
    tx: &mut Conn,
    document_id: &str,
    replaced_id: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE documents SET replaces_id = $1 WHERE id = $2")
        .bind(replaced_id)
        .bind(document_id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The replacement link of a document: the one it replaces, and the one that replaced it
/// (issued or still a draft), if any.
pub async fn replacement_links(
    db: &Db,
    document_id: &str,
) -> Result<(Option<String>, Option<String>), AppError> {
    let replaces: Option<(Option<String>,)> =
        sqlx::query_as("SELECT replaces_id FROM documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(&db.pool)
            .await?;
    let replaced_by: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM documents WHERE replaces_id = $1 AND state NOT IN ('draft', 'cancelled')
         ORDER BY created_at LIMIT 1",
    )
    .bind(document_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok((replaces.and_then(|(r,)| r), replaced_by.map(|(r,)| r)))
}

/// The document a draft replaces, in the transaction.
pub async fn replaces_in(tx: &mut Conn, document_id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT replaces_id FROM documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.and_then(|(r,)| r))
}
