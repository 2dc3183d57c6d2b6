//! The statements of the incoming processing flow and of comments (docs/ARCHITECTURE.md: SQL
//! only in stores): units' assignments and their notes, the sender's view of a recipient's
//! processing, comments on draft versions.

use crate::policy::Involvement;
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// A unit's assignment as stored, with its unit's and handler's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Assignment {
    pub id: String,
    pub document_id: String,
    pub agency_id: String,
    pub unit_id: String,
    pub unit_code: String,
    pub unit_name: String,
    pub role: String,
    pub instructions: String,
    pub directed_by: String,
    pub directed_at: String,
    pub deadline_days: Option<i64>,
    pub due_local: String,
    pub handler_id: Option<String>,
    pub handler_name: Option<String>,
    pub state: String,
    pub closed_at: Option<String>,
    pub closed_local: Option<String>,
    pub close_reason: Option<String>,
    pub result: Option<String>,
    pub timeliness: Option<String>,
}

const ASSIGNMENTS: &str = "SELECT a.id, a.document_id, a.agency_id, a.unit_id, u.code AS unit_code,
    u.name AS unit_name, a.role, a.instructions, a.directed_by, a.directed_at, a.deadline_days,
    a.due_local, a.handler_id, h.full_name AS handler_name, a.state, a.closed_at, a.closed_local,
    a.close_reason, a.result, a.timeliness
    FROM document_assignments a JOIN agencies u ON u.id = a.unit_id
    LEFT JOIN users h ON h.id = a.handler_id";

/// A new assignment.
#[derive(Debug)]
pub struct NewAssignment<'a> {
    pub id: &'a str,
    pub document_id: &'a str,
    pub agency_id: &'a str,
    pub unit_id: &'a str,
    pub role: &'a str,
    pub instructions: &'a str,
    pub directed_by: &'a str,
    pub deadline_days: Option<i64>,
    pub due_local: &'a str,
    pub now: &'a str,
}

pub async fn insert_assignment(tx: &mut Conn, a: &NewAssignment<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_assignments (id, document_id, agency_id, unit_id, role, instructions,
            directed_by, directed_at, deadline_days, due_local, state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'assigned', $8, $8)",
    )
    .bind(a.id)
    .bind(a.document_id)
    .bind(a.agency_id)
    .bind(a.unit_id)
    .bind(a.role)
    .bind(a.instructions)
    .bind(a.directed_by)
    .bind(a.now)
    .bind(a.deadline_days)
    .bind(a.due_local)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The assignments of a document, lead first, in the order they were made.
pub async fn assignments(db: &Db, document_id: &str) -> Result<Vec<Assignment>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ASSIGNMENTS} WHERE a.document_id = $1 ORDER BY a.created_at, a.role, a.id"
    )))
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The open assignments of a document, inside a transaction.
pub async fn open_assignments_in(
    tx: &mut Conn,
    document_id: &str,
) -> Result<Vec<Assignment>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ASSIGNMENTS} WHERE a.document_id = $1 AND a.state <> 'closed' ORDER BY a.role, a.id"
    )))
    .bind(document_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// One assignment of a document, its row locked until the transaction ends.
pub async fn assignment_for_update(
    db: &Db,
    tx: &mut Conn,
    document_id: &str,
    id: &str,
) -> Result<Option<Assignment>, AppError> {
    let lock = db.lock_rows("a");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ASSIGNMENTS} WHERE a.id = $1 AND a.document_id = $2{lock}"
    )))
    .bind(id)
    .bind(document_id)
    .fetch_optional(&mut *tx)
    .await?)
}

pub async fn set_assignment_state(
    tx: &mut Conn,
    id: &str,
    state: &str,
    handler_id: Option<&str>,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE document_assignments SET state = $2, handler_id = COALESCE($3, handler_id),
            updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(handler_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// How an assignment ended.
#[derive(Debug)]
pub struct Closing<'a> {
    pub reason: &'a str,
    pub result: &'a str,
    pub timeliness: Option<&'a str>,
    pub closed_by: Option<&'a str>,
    pub closed_local: &'a str,
    pub now: &'a str,
}

/// Closes an open assignment; false when it was already closed.
pub async fn close_assignment(tx: &mut Conn, id: &str, c: &Closing<'_>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE document_assignments SET state = 'closed', close_reason = $2, result = $3,
            timeliness = $4, closed_by = $5, closed_local = $6, closed_at = $7, updated_at = $7
         WHERE id = $1 AND state <> 'closed'",
    )
    .bind(id)
    .bind(c.reason)
    .bind(c.result)
    .bind(c.timeliness)
    .bind(c.closed_by)
    .bind(c.closed_local)
    .bind(c.now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A note on an assignment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Note {
    pub assignment_id: String,
    pub kind: String,
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: String,
}

pub async fn insert_note(
    tx: &mut Conn,
    assignment_id: &str,
    kind: &str,
    author_id: Option<&str>,
    body: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_assignment_notes (id, assignment_id, kind, author_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(assignment_id)
    .bind(kind)
    .bind(author_id)
    .bind(body)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The notes of a document's assignments, oldest first.
pub async fn notes(db: &Db, document_id: &str) -> Result<Vec<Note>, AppError> {
    Ok(sqlx::query_as(
        "SELECT n.assignment_id, n.kind, n.author_id, u.full_name AS author_name, n.body, n.created_at
         FROM document_assignment_notes n
         JOIN document_assignments a ON a.id = n.assignment_id
         LEFT JOIN users u ON u.id = n.author_id
         WHERE a.document_id = $1 ORDER BY n.created_at, n.id",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

type InvolvementRow = (String, String, Option<String>, Option<String>);

const INVOLVEMENT: &str = "SELECT role, unit_id, handler_id, close_reason FROM document_assignments
    WHERE document_id = $1 AND (unit_id = $2 OR handler_id = $3)";

/// `user`'s part in the handling of incoming document `document_id`. Assignments replaced by a
/// new direction still let their unit read the document, but not act as its handler.
pub async fn involvement(db: &Db, document_id: &str, user: &User) -> Result<Involvement, AppError> {
    let Some(agency) = official_agency(user) else {
        return Ok(Involvement::default());
    };
    let rows: Vec<InvolvementRow> = sqlx::query_as(INVOLVEMENT)
        .bind(document_id)
        .bind(agency)
        .bind(&user.id)
        .fetch_all(&db.pool)
        .await?;
    Ok(fold_involvement(rows, user, agency))
}

/// [`involvement`], inside a transaction.
pub async fn involvement_in(
    tx: &mut Conn,
    document_id: &str,
    user: &User,
) -> Result<Involvement, AppError> {
    let Some(agency) = official_agency(user) else {
        return Ok(Involvement::default());
    };
    let rows: Vec<InvolvementRow> = sqlx::query_as(INVOLVEMENT)
        .bind(document_id)
        .bind(agency)
        .bind(&user.id)
        .fetch_all(&mut *tx)
        .await?;
    Ok(fold_involvement(rows, user, agency))
}

fn official_agency(user: &User) -> Option<&str> {
    user.agency_id.as_deref().filter(|_| user.is_official())
}

fn fold_involvement(rows: Vec<InvolvementRow>, user: &User, agency: &str) -> Involvement {
    let leader = user.has_role(Role::Leader);
    let mut found = Involvement::default();
    for (role, unit, handler, reason) in rows {
        found.unit = true;
        let leads_it = (unit == agency && leader) || handler.as_deref() == Some(user.id.as_str());
        if role == "lead" && reason.as_deref() != Some("redirected") && leads_it {
            found.lead = true;
        }
    }
    found
}

/// Tells the sender the copy's new processing state: the recipient row of the outgoing document
/// it came from (none for paper arrivals).
pub async fn set_recipient_status(
    tx: &mut Conn,
    incoming_id: &str,
    state: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE document_recipients SET processing_state = $2, processing_at = $3
         WHERE incoming_id = $1",
    )
    .bind(incoming_id)
    .bind(state)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The processing state of each delivered recipient of outgoing document `document_id`:
/// (incoming id, state, when). The copy's own state is the truth when the recipient row has
/// none yet (delivered, not yet touched).
pub async fn recipient_statuses(
    db: &Db,
    document_id: &str,
) -> Result<Vec<(String, String, Option<String>)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.incoming_id, COALESCE(r.processing_state, d.state), r.processing_at
         FROM document_recipients r JOIN documents d ON d.id = r.incoming_id
         WHERE r.document_id = $1",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

/// An open assignment with its document, for the overdue view and a unit's work list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenAssignment {
    pub assignment_id: String,
    pub document_id: String,
    pub subject: String,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub organ_name: String,
    pub arrival_number: Option<i64>,
    pub unit_code: String,
    pub unit_name: String,
    pub role: String,
    pub due_local: String,
    pub handler_name: Option<String>,
}

const OPEN: &str = "SELECT a.id AS assignment_id, d.id AS document_id, d.subject,
    d.code_number, d.code_notation, d.organ_name, d.reg_number AS arrival_number,
    u.code AS unit_code, u.name AS unit_name, a.role, a.due_local, h.full_name AS handler_name
    FROM document_assignments a
    JOIN documents d ON d.id = a.document_id
    JOIN agencies u ON u.id = a.unit_id
    LEFT JOIN users h ON h.id = a.handler_id";

/// The open assignments of `agency_id` (the agency holding the documents, or one of its units)
/// due before `now_local`, the longest overdue first.
pub async fn overdue(
    db: &Db,
    agency_id: &str,
    now_local: &str,
    limit: i64,
) -> Result<Vec<OpenAssignment>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OPEN} WHERE (a.agency_id = $1 OR a.unit_id = $1) AND a.state <> 'closed'
         AND a.due_local < $2 ORDER BY a.due_local, a.id LIMIT $3"
    )))
    .bind(agency_id)
    .bind(now_local)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// The open assignments a person works on: their unit's, for its leader (`unit_id`), and those
/// passed down to them; the earliest due first.
pub async fn open_for(
    db: &Db,
    unit_id: Option<&str>,
    user_id: &str,
    limit: i64,
) -> Result<Vec<OpenAssignment>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{OPEN} WHERE (a.unit_id = $1 OR a.handler_id = $2) AND a.state <> 'closed'
         ORDER BY a.due_local, a.id LIMIT $3"
    )))
    .bind(unit_id)
    .bind(user_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Per unit of `agency_id` (or of the unit itself): assignments completed in the period (local times `from` ≤ closed <
/// `until`) on time and late, and those still open whose deadline fell before `until` and is
/// past at `now_local`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitTimeliness {
    pub unit_code: String,
    pub unit_name: String,
    pub on_time: i64,
    pub late: i64,
    pub open_overdue: i64,
}

pub async fn timeliness(
    db: &Db,
    agency_id: &str,
    from: &str,
    until: &str,
    now_local: &str,
) -> Result<Vec<UnitTimeliness>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.code AS unit_code, u.name AS unit_name,
            SUM(CASE WHEN a.close_reason = 'completed' AND a.closed_local >= $2
                AND a.closed_local < $3 AND a.timeliness = 'on_time' THEN 1 ELSE 0 END) AS on_time,
            SUM(CASE WHEN a.close_reason = 'completed' AND a.closed_local >= $2
                AND a.closed_local < $3 AND a.timeliness = 'late' THEN 1 ELSE 0 END) AS late,
            SUM(CASE WHEN a.state <> 'closed' AND a.due_local < $3 AND a.due_local < $4
                THEN 1 ELSE 0 END) AS open_overdue
         FROM document_assignments a JOIN agencies u ON u.id = a.unit_id
         WHERE a.agency_id = $1 OR a.unit_id = $1
         GROUP BY u.code, u.name ORDER BY u.code",
    )
    .bind(agency_id)
    .bind(from)
    .bind(until)
    .bind(now_local)
    .fetch_all(&db.pool)
    .await?)
}

/// A comment on a draft's version.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Comment {
    pub id: String,
    pub version: i64,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

pub async fn insert_comment(
    tx: &mut Conn,
    id: &str,
    document_id: &str,
    version: i64,
    author_id: &str,
    body: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_comments (id, document_id, version, author_id, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(document_id)
    .bind(version)
    .bind(author_id)
    .bind(body)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The comments on a document, oldest first.
pub async fn comments(db: &Db, document_id: &str) -> Result<Vec<Comment>, AppError> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.version, c.author_id, u.full_name AS author_name, c.body, c.created_at
         FROM document_comments c JOIN users u ON u.id = c.author_id
         WHERE c.document_id = $1 ORDER BY c.created_at, c.id",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Whether `user_id` is an active official of `unit_id`, and whether they may handle
/// documents there (a specialist or a leader): `None` when there is no such person.
pub async fn unit_official(
    tx: &mut Conn,
    unit_id: &str,
    user_id: &str,
) -> Result<Option<bool>, AppError> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
         WHERE u.id = $1 AND u.agency_id = $2 AND u.kind = 'official' AND u.disabled = 0",
    )
    .bind(user_id)
    .bind(unit_id)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(rows.iter().any(|(r,)| {
        matches!(r.as_deref(), Some("specialist") | Some("leader"))
    })))
}

/// An assignment as the operations centre counts it: the unit, its role, its state, when it is
/// due and how it ended (`crate::kpi`).
#[derive(Debug, sqlx::FromRow)]
pub struct CountingAssignment {
    pub unit_id: String,
    pub role: String,
    pub state: String,
    pub due_local: String,
    pub closed_local: Option<String>,
    pub timeliness: Option<String>,
}

/// The assignments of a document, or `None` when there is no such document.
pub async fn counting_assignments(
    tx: &mut Conn,
    document_id: &str,
) -> Result<Option<Vec<CountingAssignment>>, AppError> {
    let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE id = $1")
        .bind(document_id)
        .fetch_one(&mut *tx)
        .await?;
    if exists == 0 {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_as(
            "SELECT unit_id, role, state, due_local, closed_local, timeliness
               FROM document_assignments WHERE document_id = $1 ORDER BY id",
        )
        .bind(document_id)
        .fetch_all(&mut *tx)
        .await?,
    ))
}

/// The ids of documents with assignments after `after`, in id order, at most `limit`.
pub async fn counting_ids(tx: &mut Conn, after: &str, limit: i64) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT document_id FROM document_assignments WHERE document_id > $1
          ORDER BY document_id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *tx)
    .await?)
}

/// An open assignment of a drill-down: assignment id, document id, its notation or arrival
/// number, subject, unit, due time, state.
pub type DrillAssignment = (String, String, String, String, String, String, String);

/// The open assignments of `units` due in `lo ≤ due_local < hi` (local texts), as
/// `document.assignment_open` counts them; keyset pages in assignment id order. The unit
/// leads the index `document_assignments_unit (unit_id, closed_local)`: the open ones are
/// its `closed_local IS NULL` range.
pub async fn drill_open(
    db: &Db,
    units: &[String],
    lo: &str,
    hi: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<DrillAssignment>, AppError> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..units.len()).map(|i| format!("${}", i + 5)).collect();
    let sql = format!(
        "SELECT a.id, d.id, COALESCE(d.code_number || '/' || d.code_notation, d.code_notation, ''),
                d.subject, u.name, a.due_local, a.state
           FROM document_assignments a
           JOIN documents d ON d.id = a.document_id
           JOIN agencies u ON u.id = a.unit_id
          WHERE a.unit_id IN ({}) AND a.closed_local IS NULL AND a.state <> 'closed'
            AND a.due_local >= $1 AND a.due_local < $2 AND a.id > $3
          ORDER BY a.id LIMIT $4",
        marks.join(", ")
    );
    let mut q = sqlx::query_as::<_, DrillAssignment>(sqlx::AssertSqlSafe(sql))
        .bind(lo)
        .bind(hi)
        .bind(after)
        .bind(limit);
    for u in units {
        q = q.bind(u);
    }
    Ok(q.fetch_all(&db.pool).await?)
}
