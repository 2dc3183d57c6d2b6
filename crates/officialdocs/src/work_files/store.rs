//! Every statement about file lists, work files and the documents placed in them.

use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A yearly file list (danh mục hồ sơ).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileList {
    pub id: String,
    pub agency_id: String,
    pub year: i64,
    pub numbering: String,
    /// `draft`, `approved` or `amending`.
    pub state: String,
    pub amendments: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A major heading of a list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Heading {
    pub id: String,
    pub list_id: String,
    pub position: i64,
    pub abbreviation: String,
    pub title: String,
}

/// A file of a list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkFile {
    pub id: String,
    pub list_id: String,
    pub agency_id: String,
    pub heading_id: String,
    pub number: i64,
    pub notation: String,
    pub code: String,
    pub title: String,
    pub retention: String,
    pub creator_id: Option<String>,
    pub description: String,
    /// `planned` (in the list, not opened yet), `open`, `closed` or `deposited`.
    pub state: String,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub deposit_due: Option<String>,
    pub deposit_noticed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A document placed in a file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Placed {
    pub document_id: String,
    pub ordinal: i64,
    pub added_at: String,
}

const LIST: &str =
    "SELECT id, agency_id, year, numbering, state, amendments, approved_by, approved_at,
    created_at, updated_at FROM work_file_lists";

const FILE: &str =
    "SELECT id, list_id, agency_id, heading_id, number, notation, code, title, retention,
    creator_id, description, state, start_date, end_date, deposit_due, deposit_noticed_at,
    created_at, updated_at FROM work_files";

pub async fn insert_list(tx: &mut Conn, l: &FileList) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO work_file_lists (id, agency_id, year, numbering, state, amendments,
            approved_by, approved_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 0, NULL, NULL, $6, $6)",
    )
    .bind(&l.id)
    .bind(&l.agency_id)
    .bind(l.year)
    .bind(&l.numbering)
    .bind(&l.state)
    .bind(&l.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Whether the agency already has a list for the year.
pub async fn list_of_year(tx: &mut Conn, agency_id: &str, year: i64) -> Result<bool, AppError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM work_file_lists WHERE agency_id = $1 AND year = $2")
            .bind(agency_id)
            .bind(year)
            .fetch_one(&mut *tx)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn list(db: &Db, id: &str) -> Result<Option<FileList>, AppError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{LIST} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The list, its row locked until the transaction ends (edits and approval serialise on it).
pub async fn list_for_update(
    db: &Db,
    tx: &mut Conn,
    id: &str,
) -> Result<Option<FileList>, AppError> {
    let lock = db.lock_rows("work_file_lists");
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{LIST} WHERE id = $1{lock}")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// The lists of an agency, newest year first.
pub async fn lists_of(db: &Db, agency_id: &str) -> Result<Vec<FileList>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LIST} WHERE agency_id = $1 ORDER BY year DESC"
    )))
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Opens an amendment of an approved list (or any other plain state change).
pub async fn set_list_state(
    tx: &mut Conn,
    id: &str,
    state: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE work_file_lists SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Approves the list; an approval after the first counts as an amendment.
pub async fn approve_list(tx: &mut Conn, id: &str, by: &str, now: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE work_file_lists SET state = 'approved', approved_by = $2, approved_at = $3,
            amendments = CASE WHEN approved_at IS NULL THEN amendments ELSE amendments + 1 END,
            updated_at = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn insert_heading(tx: &mut Conn, h: &Heading) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO work_file_headings (id, list_id, position, abbreviation, title)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&h.id)
    .bind(&h.list_id)
    .bind(h.position)
    .bind(&h.abbreviation)
    .bind(&h.title)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const HEADINGS: &str = "SELECT id, list_id, position, abbreviation, title FROM work_file_headings
    WHERE list_id = $1 ORDER BY position";

pub async fn headings(db: &Db, list_id: &str) -> Result<Vec<Heading>, AppError> {
    Ok(sqlx::query_as(HEADINGS)
        .bind(list_id)
        .fetch_all(&db.pool)
        .await?)
}

pub async fn headings_in(tx: &mut Conn, list_id: &str) -> Result<Vec<Heading>, AppError> {
    Ok(sqlx::query_as(HEADINGS)
        .bind(list_id)
        .fetch_all(&mut *tx)
        .await?)
}

pub async fn insert_file(tx: &mut Conn, f: &WorkFile) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO work_files (id, list_id, agency_id, heading_id, number, notation, code, title,
            retention, creator_id, description, state, start_date, end_date, deposit_due,
            deposit_noticed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, NULL, NULL, $13, $13)",
    )
    .bind(&f.id)
    .bind(&f.list_id)
    .bind(&f.agency_id)
    .bind(&f.heading_id)
    .bind(f.number)
    .bind(&f.notation)
    .bind(&f.code)
    .bind(&f.title)
    .bind(&f.retention)
    .bind(&f.creator_id)
    .bind(&f.description)
    .bind(&f.state)
    .bind(&f.created_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The last number used in the list (in the whole list, or under one heading).
pub async fn last_number(
    tx: &mut Conn,
    list_id: &str,
    heading_id: Option<&str>,
) -> Result<i64, AppError> {
    let row = match heading_id {
        Some(h) => {
            sqlx::query(
                "SELECT COALESCE(MAX(number), 0) AS last FROM work_files
             WHERE list_id = $1 AND heading_id = $2",
            )
            .bind(list_id)
            .bind(h)
            .fetch_one(&mut *tx)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT COALESCE(MAX(number), 0) AS last FROM work_files WHERE list_id = $1",
            )
            .bind(list_id)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    Ok(row.try_get("last")?)
}

/// Whether a file of the list already has this notation.
pub async fn notation_taken(
    tx: &mut Conn,
    list_id: &str,
    notation: &str,
) -> Result<bool, AppError> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM work_files WHERE list_id = $1 AND notation = $2")
            .bind(list_id)
            .bind(notation)
            .fetch_one(&mut *tx)
            .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn file(db: &Db, id: &str) -> Result<Option<WorkFile>, AppError> {
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{FILE} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The file, its row locked until the transaction ends.
pub async fn file_for_update(
    db: &Db,
    tx: &mut Conn,
    id: &str,
) -> Result<Option<WorkFile>, AppError> {
    let lock = db.lock_rows("work_files");
    Ok(
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{FILE} WHERE id = $1{lock}")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// The files of a list, in the list's order.
pub async fn files_of(db: &Db, list_id: &str) -> Result<Vec<WorkFile>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE list_id = $1 ORDER BY heading_id, number"
    )))
    .bind(list_id)
    .fetch_all(&db.pool)
    .await?)
}

/// A file's new state and dates.
#[derive(Debug)]
pub struct FileChange<'a> {
    pub state: &'a str,
    pub retention: &'a str,
    pub start_date: Option<&'a str>,
    pub end_date: Option<&'a str>,
    pub deposit_due: Option<&'a str>,
    pub now: &'a str,
}

pub async fn set_file(tx: &mut Conn, id: &str, c: &FileChange<'_>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE work_files SET state = $2, retention = $3, start_date = $4, end_date = $5,
            deposit_due = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(c.state)
    .bind(c.retention)
    .bind(c.start_date)
    .bind(c.end_date)
    .bind(c.deposit_due)
    .bind(c.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The documents of a file, by their ordinal in it.
pub async fn placed(db: &Db, file_id: &str) -> Result<Vec<Placed>, AppError> {
    Ok(sqlx::query_as(
        "SELECT document_id, ordinal, added_at FROM work_file_documents
         WHERE file_id = $1 ORDER BY ordinal",
    )
    .bind(file_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The ordinal of the file's last document, if any.
pub async fn last_ordinal(tx: &mut Conn, file_id: &str) -> Result<Option<i64>, AppError> {
    let row =
        sqlx::query("SELECT MAX(ordinal) AS last FROM work_file_documents WHERE file_id = $1")
            .bind(file_id)
            .fetch_one(&mut *tx)
            .await?;
    Ok(row.try_get("last")?)
}

pub async fn is_placed(tx: &mut Conn, file_id: &str, document_id: &str) -> Result<bool, AppError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM work_file_documents WHERE file_id = $1 AND document_id = $2",
    )
    .bind(file_id)
    .bind(document_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

pub async fn place(
    tx: &mut Conn,
    file_id: &str,
    document_id: &str,
    ordinal: i64,
    added_by: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO work_file_documents (file_id, document_id, ordinal, added_by, added_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(file_id)
    .bind(document_id)
    .bind(ordinal)
    .bind(added_by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Takes a document out of a file; whether it was there.
pub async fn unplace(tx: &mut Conn, file_id: &str, document_id: &str) -> Result<bool, AppError> {
    let done =
        sqlx::query("DELETE FROM work_file_documents WHERE file_id = $1 AND document_id = $2")
            .bind(file_id)
            .bind(document_id)
            .execute(&mut *tx)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Closed files whose deposit notice is not sent yet and whose deadline is on or before
/// `horizon` (YYYY-MM-DD): the candidates of the daily sweep.
pub async fn deposit_candidates(db: &Db, horizon: &str) -> Result<Vec<WorkFile>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE state = 'closed' AND deposit_due IS NOT NULL AND deposit_due <= $1
         AND deposit_noticed_at IS NULL ORDER BY deposit_due, id"
    )))
    .bind(horizon)
    .fetch_all(&db.pool)
    .await?)
}

/// Claims the file's deposit notice: true for the one sweep that sets the mark.
pub async fn claim_deposit_notice(tx: &mut Conn, id: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE work_files SET deposit_noticed_at = $2 WHERE id = $1 AND deposit_noticed_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The document clerks of an agency: (user id, email).
pub async fn clerks(
    tx: &mut Conn,
    agency_id: &str,
) -> Result<Vec<(String, Option<String>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role = 'document_clerk' ORDER BY u.id",
    )
    .bind(agency_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// Whether `user_id` is an official of `agency_id` (a file's person responsible must be).
pub async fn works_at(tx: &mut Conn, user_id: &str, agency_id: &str) -> Result<bool, AppError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM users WHERE id = $1 AND agency_id = $2 AND kind = 'official'",
    )
    .bind(user_id)
    .bind(agency_id)
    .fetch_one(&mut *tx)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// A user's full name, for covers and metadata.
pub async fn full_name(db: &Db, user_id: &str) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT full_name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(n,)| n))
}

/// The agency's open files, by code: where a document of the agency can be placed.
pub async fn open_files_of(db: &Db, agency_id: &str) -> Result<Vec<WorkFile>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE agency_id = $1 AND state = 'open' ORDER BY code"
    )))
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The files a document is placed in, by code.
pub async fn files_holding(db: &Db, document_id: &str) -> Result<Vec<WorkFile>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{FILE} WHERE id IN (SELECT file_id FROM work_file_documents WHERE document_id = $1)
         ORDER BY code"
    )))
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The active officials of an agency, by name: who may be made responsible for a file.
pub async fn officials(db: &Db, agency_id: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, full_name FROM users WHERE agency_id = $1 AND kind = 'official'
         AND disabled = 0 ORDER BY full_name, id",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}
