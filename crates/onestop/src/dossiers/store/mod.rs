//! Storage of dossiers, their papers, timeline and clock stops. Every write here runs inside
//! the caller's transaction; the service decides what to write. The submodules hold the
//! statements of the other dossier modules (`store::papers` for `dossiers::papers`, …).

pub mod appointments;
pub mod assignment;
pub mod linked;
pub mod papers;
pub mod people;
mod row;
pub mod sample;
pub mod stats;
mod timeline;

pub(crate) use row::DossierRow;
pub use timeline::{Event, end_pause, event_note, events, insert_event, pauses, start_pause};

use super::{Dossier, LocalDateTime};
use serde::Serialize;
use sqlx::Row;
use tinhso_domain::attachment::FilePurpose;
use tinhso_domain::dossier::{Channel, DossierCode, Outcome};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

fn json_err(e: serde_json::Error) -> AppError {
    AppError::Internal(e.into())
}

fn parse_err(e: tinhso_domain::text_enum::UnknownValue) -> AppError {
    AppError::Internal(e.into())
}

pub const SELECT: &str = "SELECT d.*, a.code AS agency_code, a.name AS agency_name,
    au.full_name AS assignee_name
    FROM dossiers d JOIN agencies a ON a.id = d.agency_id LEFT JOIN users au ON au.id = d.assignee_id";

pub async fn by_id(db: &Db, id: &str) -> Result<Option<Dossier>, AppError> {
    let row: Option<DossierRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(Dossier::try_from).transpose()
}

/// Reads a dossier inside a write transaction, locking its row on PostgreSQL (SQLite's write
/// transaction already excludes other writers), so two actions on one dossier serialise.
pub async fn for_update(db: &Db, tx: &mut Conn, id: &str) -> Result<Option<Dossier>, AppError> {
    let lock = db.lock_rows("d");
    let row: Option<DossierRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    row.map(Dossier::try_from).transpose()
}

/// Reads a dossier inside a transaction without locking it (an event handler reads what it
/// needs to tell people; it changes nothing on the dossier).
pub async fn in_tx(tx: &mut Conn, id: &str) -> Result<Option<Dossier>, AppError> {
    let row: Option<DossierRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    row.map(Dossier::try_from).transpose()
}

pub async fn by_code(db: &Db, code: &DossierCode) -> Result<Option<Dossier>, AppError> {
    let row: Option<DossierRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.code = $1")))
            .bind(code.to_string())
            .fetch_optional(&db.pool)
            .await?;
    row.map(Dossier::try_from).transpose()
}

/// The dossier with `code`, in the transaction (an event handler's).
pub async fn by_code_in(tx: &mut Conn, code: &DossierCode) -> Result<Option<Dossier>, AppError> {
    let row: Option<DossierRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.code = $1")))
            .bind(code.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    row.map(Dossier::try_from).transpose()
}

/// Whether the dossier already has a file pointing at `storage_key`.
pub async fn has_file_at(
    tx: &mut Conn,
    dossier_id: &str,
    storage_key: &str,
) -> Result<bool, AppError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM dossier_files WHERE dossier_id = $1 AND storage_key = $2",
    )
    .bind(dossier_id)
    .bind(storage_key)
    .fetch_one(&mut *tx)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn by_idempotency_key(
    tx: &mut Conn,
    applicant_id: &str,
    key: &str,
) -> Result<Option<String>, AppError> {
    let row =
        sqlx::query("SELECT id FROM dossiers WHERE applicant_id = $1 AND idempotency_key = $2")
            .bind(applicant_id)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

pub async fn in_group(db: &Db, group_id: &str) -> Result<Vec<Dossier>, AppError> {
    let rows: Vec<DossierRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.group_id = $1 ORDER BY d.created_at, d.id"
    )))
    .bind(group_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(Dossier::try_from).collect()
}

/// A citizen's own dossiers, newest first.
pub async fn of_applicant(
    db: &Db,
    applicant_id: &str,
    limit: i64,
) -> Result<Vec<Dossier>, AppError> {
    let rows: Vec<DossierRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.applicant_id = $1 ORDER BY d.created_at DESC LIMIT $2"
    )))
    .bind(applicant_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(Dossier::try_from).collect()
}

tinhso_domain::text_enum! {
    /// The back-office work queues.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, Default)]
    #[serde(rename_all = "snake_case")]
    pub enum Queue {
        /// Submitted, waiting for the one-stop desk.
        #[default]
        New = "new",
        /// Being processed (by any step).
        InProgress = "in_progress",
        /// Being processed and due soon (by the calendar's due-soon rule).
        DueSoon = "due_soon",
        /// Being processed past its due moment.
        Overdue = "overdue",
        /// Waiting for the citizen's supplement.
        Waiting = "waiting",
        /// Approved, result to hand over.
        ToReturn = "to_return",
        /// Finished (returned, refused, stopped, withdrawn).
        Done = "done",
    }
}

/// One page of an agency's queue, oldest due first. For `DueSoon`, the dossiers still running
/// and due by `soon_local` (the due-soon rule's cap): the candidates, which the caller keeps
/// or drops by the rule.
pub async fn queue(
    db: &Db,
    agency_id: &str,
    queue: Queue,
    now_local: &str,
    soon_local: &str,
    limit: i64,
) -> Result<Vec<Dossier>, AppError> {
    let (filter, order) = match queue {
        Queue::New => ("d.state = 'submitted'", "d.submitted_at"),
        Queue::InProgress => ("d.state = 'in_progress'", "d.due_local"),
        Queue::DueSoon => (
            "d.state = 'in_progress' AND d.due_local >= $2 AND d.due_local <= $3",
            "d.due_local",
        ),
        Queue::Overdue => (
            "d.state = 'in_progress' AND d.due_local < $2",
            "d.due_local",
        ),
        Queue::Waiting => ("d.state = 'supplement_requested'", "d.updated_at"),
        Queue::ToReturn => ("d.state = 'approved'", "d.finished_at"),
        Queue::Done => (
            "d.state IN ('returned', 'refused', 'stopped', 'withdrawn')",
            "d.updated_at DESC",
        ),
    };
    let sql = format!(
        "{SELECT} WHERE d.agency_id = $1 AND {filter} ORDER BY {order}, d.id LIMIT {limit}"
    );
    let mut query =
        sqlx::query_as::<_, DossierRow>(sqlx::AssertSqlSafe(sql.clone())).bind(agency_id);
    if sql.contains("$2") {
        query = query.bind(now_local);
    }
    if sql.contains("$3") {
        query = query.bind(soon_local);
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.into_iter().map(Dossier::try_from).collect()
}

/// Counts of every queue, for the tabs; the due-soon count is left at 0 for the caller, who
/// decides it per dossier.
pub async fn queue_counts(
    db: &Db,
    agency_id: &str,
    now_local: &str,
) -> Result<Vec<(Queue, i64)>, AppError> {
    let row = sqlx::query(
        "SELECT
            COALESCE(SUM(CASE WHEN state = 'submitted' THEN 1 ELSE 0 END), 0) AS new,
            COALESCE(SUM(CASE WHEN state = 'in_progress' THEN 1 ELSE 0 END), 0) AS in_progress,
            CAST(0 AS BIGINT) AS due_soon,
            COALESCE(SUM(CASE WHEN state = 'in_progress' AND due_local < $2 THEN 1 ELSE 0 END), 0) AS overdue,
            COALESCE(SUM(CASE WHEN state = 'supplement_requested' THEN 1 ELSE 0 END), 0) AS waiting,
            COALESCE(SUM(CASE WHEN state = 'approved' THEN 1 ELSE 0 END), 0) AS to_return,
            COALESCE(SUM(CASE WHEN state IN ('returned', 'refused', 'stopped', 'withdrawn') THEN 1 ELSE 0 END), 0) AS done
         FROM dossiers WHERE agency_id = $1 AND state <> 'draft'",
    )
    .bind(agency_id)
    .bind(now_local)
    .fetch_one(&db.pool)
    .await?;
    Queue::ALL
        .iter()
        .map(|q| Ok((*q, row.try_get::<i64, _>(q.as_str())?)))
        .collect()
}

pub struct NewDossier<'a> {
    pub id: &'a str,
    pub procedure: &'a crate::catalog::Procedure,
    pub agency_id: &'a str,
    pub applicant_id: Option<&'a str>,
    pub applicant_name: &'a str,
    pub applicant_email: &'a str,
    pub applicant_phone: &'a str,
    pub channel: Channel,
    pub idempotency_key: Option<&'a str>,
    pub group_id: Option<&'a str>,
}

pub async fn insert_draft(tx: &mut Conn, d: &NewDossier<'_>) -> Result<(), AppError> {
    let now = tinhso_kernel::time::now_text();
    let fee: i64 = d.procedure.fees.iter().map(|f| f.amount_vnd).sum();
    sqlx::query(
        "INSERT INTO dossiers (id, procedure_code, procedure_name, agency_id, applicant_id, applicant_name,
            applicant_email, applicant_phone, channel, state, step, steps, processing_half_days, cutoff,
            answers, idempotency_key, fee_due, group_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', 0, $10, $11, $12, '{}', $13, $14, $15, $16, $16)",
    )
    .bind(d.id)
    .bind(&d.procedure.code)
    .bind(&d.procedure.name)
    .bind(d.agency_id)
    .bind(d.applicant_id)
    .bind(d.applicant_name)
    .bind(d.applicant_email)
    .bind(d.applicant_phone)
    .bind(d.channel.as_str())
    .bind(serde_json::to_string(&d.procedure.steps).map_err(json_err)?)
    .bind(i64::from(d.procedure.processing.as_half_days()))
    .bind(&d.procedure.cutoff)
    .bind(d.idempotency_key)
    .bind(fee)
    .bind(d.group_id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Adds a confirmed payment to what the applicant has paid. The payment's own transaction calls
/// it, so the dossier shows the fee paid as soon as the provider's callback is answered.
pub async fn add_paid(tx: &mut Conn, dossier_id: &str, amount_vnd: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE dossiers SET fee_paid = fee_paid + $2, updated_at = $3 WHERE id = $1")
        .bind(dossier_id)
        .bind(amount_vnd)
        .bind(tinhso_kernel::time::now_text())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Writes back everything an action may change.
pub async fn update(tx: &mut Conn, d: &Dossier) -> Result<(), AppError> {
    let local = |t: Option<LocalDateTime>| t.map(LocalDateTime::to_text);
    sqlx::query(
        "UPDATE dossiers SET code = $2, agency_id = $3, state = $4, step = $5, answers = $6,
            clock_start = $7, due_local = $8, submitted_at = $9, accepted_at = $10, finished_at = $11,
            finished_local = $12, supplement_requests = $13, outcome = $14, apologised = $15,
            fee_paid = $16, rating = $17, rating_comment = $18, rated_at = $19, updated_at = $20
         WHERE id = $1",
    )
    .bind(&d.id)
    .bind(d.code.map(|c| c.to_string()))
    .bind(&d.agency_id)
    .bind(d.state.as_str())
    .bind(i64::from(d.step))
    .bind(serde_json::to_string(&d.answers).map_err(json_err)?)
    .bind(local(d.clock_start))
    .bind(local(d.due))
    .bind(&d.submitted_at)
    .bind(&d.accepted_at)
    .bind(&d.finished_at)
    .bind(local(d.finished_local))
    .bind(i64::from(d.supplement_requests))
    .bind(d.outcome.map(Outcome::as_str))
    .bind(i64::from(d.apologised))
    .bind(d.fee_paid)
    .bind(d.rating)
    .bind(&d.rating_comment)
    .bind(&d.rated_at)
    .bind(tinhso_kernel::time::now_text())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    pub id: String,
    pub dossier_id: String,
    pub purpose: FilePurpose,
    pub field_key: String,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub created_at: String,
}

pub async fn insert_file(tx: &mut Conn, f: &StoredFile, uploaded_by: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO dossier_files (id, dossier_id, purpose, field_key, file_name, media_type, size_bytes,
            sha256, storage_key, uploaded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&f.id)
    .bind(&f.dossier_id)
    .bind(f.purpose.as_str())
    .bind(&f.field_key)
    .bind(&f.file_name)
    .bind(&f.media_type)
    .bind(f.size_bytes)
    .bind(&f.sha256)
    .bind(&f.storage_key)
    .bind(uploaded_by)
    .bind(&f.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes a draft's paper for one field (replaced by a new upload); returns its storage key.
pub async fn delete_draft_paper(
    tx: &mut Conn,
    dossier_id: &str,
    field_key: &str,
) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query(
        "DELETE FROM dossier_files WHERE dossier_id = $1 AND field_key = $2 AND purpose = 'paper' RETURNING storage_key",
    )
    .bind(dossier_id)
    .bind(field_key)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("storage_key"))
        .collect::<Result<_, _>>()?)
}

/// The storage keys among `keys` that no dossier file points to any more (safe to delete).
pub async fn unreferenced(tx: &mut Conn, keys: Vec<String>) -> Result<Vec<String>, AppError> {
    let mut out = Vec::new();
    for key in keys {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM dossier_files WHERE storage_key = $1")
            .bind(&key)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
        if n == 0 {
            out.push(key);
        }
    }
    Ok(out)
}

/// A row of `dossier_files` as stored (its purpose as text).
#[derive(Debug, sqlx::FromRow)]
struct FileRow {
    id: String,
    dossier_id: String,
    purpose: String,
    field_key: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    storage_key: String,
    created_at: String,
}

impl TryFrom<FileRow> for StoredFile {
    type Error = AppError;

    fn try_from(r: FileRow) -> Result<StoredFile, AppError> {
        Ok(StoredFile {
            purpose: r.purpose.parse().map_err(parse_err)?,
            id: r.id,
            dossier_id: r.dossier_id,
            field_key: r.field_key,
            file_name: r.file_name,
            media_type: r.media_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            storage_key: r.storage_key,
            created_at: r.created_at,
        })
    }
}

pub async fn files(db: &Db, dossier_id: &str) -> Result<Vec<StoredFile>, AppError> {
    let rows: Vec<FileRow> = sqlx::query_as(
        "SELECT id, dossier_id, purpose, field_key, file_name, media_type, size_bytes, sha256,
            storage_key, created_at
         FROM dossier_files WHERE dossier_id = $1 ORDER BY created_at, id",
    )
    .bind(dossier_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(StoredFile::try_from).collect()
}

/// The form fields a dossier's papers are attached to (one per paper), in the transaction.
pub async fn paper_fields(tx: &mut Conn, dossier_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT field_key FROM dossier_files WHERE dossier_id = $1 AND purpose = 'paper'",
    )
    .bind(dossier_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// How many result files a dossier has, in the transaction.
pub async fn result_file_count(tx: &mut Conn, dossier_id: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) AS n FROM dossier_files WHERE dossier_id = $1 AND purpose = 'result'",
    )
    .bind(dossier_id)
    .fetch_one(&mut *tx)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::Queue;

    #[test]
    fn queue_text_is_its_json() {
        for q in Queue::ALL {
            assert_eq!(serde_json::to_value(q).unwrap(), q.as_str());
            assert_eq!(q.as_str().parse::<Queue>(), Ok(q));
        }
    }
}
