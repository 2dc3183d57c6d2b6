//! The module's statements (docs/ARCHITECTURE.md: SQL only in stores): tasks, their units and
//! timeline, the offices that follow an authority's tasks, and the lists of the pages and API.

pub mod feeds;
pub mod overview;
pub mod parts;
pub mod sample;
pub mod series;

use crate::model::{Position, ReportKind, SourceKind};
use crate::{Extension, Report, Task, TaskUnit};
use tinhso_domain::task::state::UnitState;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

#[derive(sqlx::FromRow)]
struct TaskRow {
    id: String,
    code: String,
    title: String,
    content: String,
    source_kind: String,
    source_id: Option<String>,
    source_label: Option<String>,
    authority_agency_id: String,
    authority_code: String,
    authority_name: String,
    authority_position: String,
    office_agency_id: String,
    priority: String,
    field: String,
    assigned_on: String,
    state: String,
    created_by: String,
    created_by_name: String,
    created_at: String,
}

const TASK: &str = "SELECT t.id, t.code, t.title, t.content, t.source_kind, t.source_id,
    t.source_label, t.authority_agency_id, a.code AS authority_code, a.name AS authority_name,
    t.authority_position, t.office_agency_id, t.priority, t.field, t.assigned_on, t.state,
    t.created_by, c.full_name AS created_by_name, t.created_at
    FROM tasks t JOIN agencies a ON a.id = t.authority_agency_id
    JOIN users c ON c.id = t.created_by";

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: String,
    agency_id: String,
    agency_code: String,
    agency_name: String,
    role: String,
    due_spec_days: Option<i64>,
    due_on: String,
    current_due_on: String,
    judged_due_on: String,
    state: String,
    progress: i64,
    finished_on: Option<String>,
}

const UNITS: &str = "SELECT u.id, u.agency_id, a.code AS agency_code, a.name AS agency_name,
    u.role, u.due_spec_days, u.due_on, u.current_due_on, u.judged_due_on, u.state, u.progress,
    u.finished_on
    FROM task_units u JOIN agencies a ON a.id = u.agency_id
    WHERE u.task_id = $1 ORDER BY CASE u.role WHEN 'lead' THEN 0 ELSE 1 END, a.name";

fn stored<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, AppError> {
    text.parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("stored {what} `{text}` is unknown")))
}

fn task(
    row: TaskRow,
    units: Vec<TaskUnit>,
    parts: Vec<crate::parts::Part>,
) -> Result<Task, AppError> {
    Ok(Task {
        source_kind: stored::<SourceKind>("source kind", &row.source_kind)?,
        authority_position: stored::<Position>("position", &row.authority_position)?,
        priority: stored("priority", &row.priority)?,
        state: stored("task state", &row.state)?,
        id: row.id,
        code: row.code,
        title: row.title,
        content: row.content,
        source_id: row.source_id,
        source_label: row.source_label,
        authority_agency_id: row.authority_agency_id,
        authority_code: row.authority_code,
        authority_name: row.authority_name,
        office_agency_id: row.office_agency_id,
        field: row.field,
        assigned_on: row.assigned_on,
        created_by: row.created_by,
        created_by_name: row.created_by_name,
        created_at: row.created_at,
        units,
        parts,
    })
}

fn unit(row: UnitRow) -> Result<TaskUnit, AppError> {
    Ok(TaskUnit {
        role: stored("unit role", &row.role)?,
        state: stored("unit state", &row.state)?,
        id: row.id,
        agency_id: row.agency_id,
        agency_code: row.agency_code,
        agency_name: row.agency_name,
        due_spec_days: row.due_spec_days,
        due_on: row.due_on,
        current_due_on: row.current_due_on,
        judged_due_on: row.judged_due_on,
        progress: row.progress,
        finished_on: row.finished_on,
    })
}

async fn units_in(conn: &mut Conn, task_id: &str) -> Result<Vec<TaskUnit>, AppError> {
    let rows: Vec<UnitRow> = sqlx::query_as(UNITS)
        .bind(task_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(unit).collect()
}

/// Task `id` with its units.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<Task>, AppError> {
    let mut conn = db.pool.acquire().await?;
    let row: Option<TaskRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TASK} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let units = units_in(&mut conn, id).await?;
    let parts = parts::of_task(&mut conn, id).await?;
    task(row, units, parts).map(Some)
}

/// Task `id` with its units, read in `tx` (an event's delivery).
pub async fn in_tx(tx: &mut Conn, id: &str) -> Result<Option<Task>, AppError> {
    let row: Option<TaskRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TASK} WHERE t.id = $1")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let units = units_in(tx, id).await?;
    let parts = parts::of_task(tx, id).await?;
    task(row, units, parts).map(Some)
}

/// The text of timeline entry `id`.
pub async fn report_body(tx: &mut Conn, id: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT body FROM task_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?,
    )
}

/// Task `id` with its units, its row locked until `tx` ends.
pub async fn for_update(db: &Db, tx: &mut Conn, id: &str) -> Result<Option<Task>, AppError> {
    let lock = db.lock_rows("t");
    let row: Option<TaskRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{TASK} WHERE t.id = $1{lock}")))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let units = units_in(tx, id).await?;
    let parts = parts::of_task(tx, id).await?;
    task(row, units, parts).map(Some)
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    unit_id: String,
    unit_name: String,
    kind: String,
    percent: Option<i64>,
    due_on: Option<String>,
    body: String,
    by_name: String,
    created_at: String,
    part_id: Option<String>,
}

/// A task's timeline, oldest first.
pub async fn reports(db: &Db, task_id: &str) -> Result<Vec<Report>, AppError> {
    let rows: Vec<ReportRow> = sqlx::query_as(
        "SELECT r.id, r.unit_id, a.name AS unit_name, r.kind, r.percent, r.due_on, r.body,
            p.full_name AS by_name, r.created_at, r.part_id
         FROM task_reports r JOIN task_units u ON u.id = r.unit_id
         JOIN agencies a ON a.id = u.agency_id JOIN users p ON p.id = r.by_user
         WHERE r.task_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(task_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Report {
                kind: stored::<ReportKind>("report kind", &r.kind)?,
                id: r.id,
                unit_id: r.unit_id,
                unit_name: r.unit_name,
                percent: r.percent,
                due_on: r.due_on,
                body: r.body,
                by_name: r.by_name,
                created_at: r.created_at,
                part_id: r.part_id,
            })
        })
        .collect()
}

/// The agencies whose tasks the office `office_agency_id` follows: those the office table
/// names it for, and itself unless another office follows its tasks.
pub async fn authorities_of(db: &Db, office_agency_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT a.id FROM agencies a
         LEFT JOIN task_offices o ON o.authority_agency_id = a.id
         WHERE o.office_agency_id = $1 OR (a.id = $1 AND o.authority_agency_id IS NULL)
         ORDER BY a.code",
    )
    .bind(office_agency_id)
    .fetch_all(&db.pool)
    .await?)
}

/// The office that follows `authority_agency_id`'s tasks (itself when none is named).
pub async fn office_of(tx: &mut Conn, authority_agency_id: &str) -> Result<String, AppError> {
    let office: Option<String> = sqlx::query_scalar(
        "SELECT office_agency_id FROM task_offices WHERE authority_agency_id = $1",
    )
    .bind(authority_agency_id)
    .fetch_optional(&mut *tx)
    .await?;
    Ok(office.unwrap_or_else(|| authority_agency_id.to_owned()))
}

/// Names `office_agency_id` as the office following `authority_agency_id`'s tasks.
pub async fn set_office(
    tx: &mut Conn,
    authority_agency_id: &str,
    office_agency_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_offices (authority_agency_id, office_agency_id) VALUES ($1, $2)
         ON CONFLICT (authority_agency_id) DO UPDATE SET office_agency_id = $2",
    )
    .bind(authority_agency_id)
    .bind(office_agency_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A new task's row.
#[derive(Debug)]
pub struct NewTask<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub title: &'a str,
    pub content: &'a str,
    pub source_kind: SourceKind,
    pub source_id: Option<&'a str>,
    pub source_label: Option<&'a str>,
    pub authority_agency_id: &'a str,
    pub authority_position: Position,
    pub office_agency_id: &'a str,
    pub priority: &'a str,
    pub field: &'a str,
    pub assigned_on: &'a str,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_task(tx: &mut Conn, t: &NewTask<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO tasks (id, code, title, content, source_kind, source_id, source_label,
            authority_agency_id, authority_position, office_agency_id, priority, field,
            assigned_on, state, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'assigned', $14, $15, $15)",
    )
    .bind(t.id)
    .bind(t.code)
    .bind(t.title)
    .bind(t.content)
    .bind(t.source_kind.as_str())
    .bind(t.source_id)
    .bind(t.source_label)
    .bind(t.authority_agency_id)
    .bind(t.authority_position.as_str())
    .bind(t.office_agency_id)
    .bind(t.priority)
    .bind(t.field)
    .bind(t.assigned_on)
    .bind(t.created_by)
    .bind(t.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A new unit row: assigned, nothing done yet, its deadline as given.
#[derive(Debug)]
pub struct NewUnit<'a> {
    pub id: &'a str,
    pub task_id: &'a str,
    pub agency_id: &'a str,
    pub role: &'a str,
    pub due_spec_days: Option<i64>,
    pub due_on: &'a str,
    pub now: &'a str,
}

pub async fn insert_unit(tx: &mut Conn, u: &NewUnit<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_units (id, task_id, agency_id, role, due_spec_days, due_on,
            current_due_on, judged_due_on, state, progress, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $6, 'assigned', 0, $7)",
    )
    .bind(u.id)
    .bind(u.task_id)
    .bind(u.agency_id)
    .bind(u.role)
    .bind(u.due_spec_days)
    .bind(u.due_on)
    .bind(u.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A unit's state after an action.
#[derive(Debug)]
pub struct UnitChange<'a> {
    pub id: &'a str,
    pub state: &'a str,
    pub progress: i64,
    pub finished_on: Option<&'a str>,
    pub accepted_by: Option<&'a str>,
    pub now: &'a str,
}

pub async fn set_unit(tx: &mut Conn, c: &UnitChange<'_>) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE task_units SET state = $2, progress = $3, finished_on = $4, accepted_by = $5,
            updated_at = $6 WHERE id = $1",
    )
    .bind(c.id)
    .bind(c.state)
    .bind(c.progress)
    .bind(c.finished_on)
    .bind(c.accepted_by)
    .bind(c.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub async fn set_task_state(
    tx: &mut Conn,
    id: &str,
    state: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE tasks SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A timeline entry.
#[derive(Debug)]
pub struct NewReport<'a> {
    pub id: &'a str,
    pub task_id: &'a str,
    pub unit_id: &'a str,
    pub kind: ReportKind,
    pub percent: Option<i64>,
    pub due_on: Option<&'a str>,
    pub body: &'a str,
    pub by_user: &'a str,
    pub now: &'a str,
    /// The part reported on, for a part holder's entry.
    pub part_id: Option<&'a str>,
}

pub async fn insert_report(tx: &mut Conn, r: &NewReport<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_reports (id, task_id, unit_id, kind, percent, due_on, body, by_user,
            created_at, part_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(r.id)
    .bind(r.task_id)
    .bind(r.unit_id)
    .bind(r.kind.as_str())
    .bind(r.percent)
    .bind(r.due_on)
    .bind(r.body)
    .bind(r.by_user)
    .bind(r.now)
    .bind(r.part_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A line of a list: a task and one of its units (the viewer's unit on the board, the lead
/// unit in the office's lists).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Line {
    pub id: String,
    pub code: String,
    pub title: String,
    pub authority_name: String,
    pub priority: String,
    pub assigned_on: String,
    pub task_state: String,
    pub unit_name: String,
    pub role: String,
    pub state: String,
    pub current_due_on: String,
    pub progress: i64,
}

const LINE: &str = "SELECT t.id, t.code, t.title, a.name AS authority_name, t.priority,
    t.assigned_on, t.state AS task_state, ua.name AS unit_name, u.role, u.state,
    u.current_due_on, u.progress
    FROM tasks t JOIN agencies a ON a.id = t.authority_agency_id
    JOIN task_units u ON u.task_id = t.id JOIN agencies ua ON ua.id = u.agency_id";

/// How many of unit `agency_id`'s tasks the board holds in each state: every open one, and the
/// finished ones with a deadline from `since` on. Counted in the index on (agency, state,
/// deadline), without reading the tasks.
pub async fn unit_state_counts(
    db: &Db,
    agency_id: &str,
    since: &str,
) -> Result<Vec<(String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT state, COUNT(*) FROM task_units
          WHERE agency_id = $1 AND state IN ('assigned', 'in_progress', 'completion_reported')
          GROUP BY state
         UNION ALL
         SELECT state, COUNT(*) FROM task_units
          WHERE agency_id = $1 AND state IN ('completed', 'cancelled') AND current_due_on >= $2
          GROUP BY state",
    )
    .bind(agency_id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?)
}

/// A page of unit `agency_id`'s tasks in `state`, with that unit's part: an open state nearest
/// deadline first; a finished one with a deadline from `since` on, latest first. Each is one
/// range of the index on (agency, state, deadline), read in order and left at the page's end,
/// so a unit with thousands of tasks costs what one with a page of them does.
pub async fn of_unit_in(
    db: &Db,
    agency_id: &str,
    state: UnitState,
    since: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Line>, AppError> {
    let finished = state.is_finished();
    let sql = if finished {
        format!(
            "{LINE} WHERE u.agency_id = $1 AND u.state = $2 AND u.current_due_on >= $3
             ORDER BY u.current_due_on DESC, t.code DESC LIMIT $4 OFFSET $5"
        )
    } else {
        format!(
            "{LINE} WHERE u.agency_id = $1 AND u.state = $2
             ORDER BY u.current_due_on, t.code LIMIT $3 OFFSET $4"
        )
    };
    let q = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(agency_id)
        .bind(state.as_str());
    let q = if finished { q.bind(since) } else { q };
    Ok(q.bind(limit).bind(offset).fetch_all(&db.pool).await?)
}

/// Who asks for a list of tasks, as the lists narrow it (the policy has the last word).
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub agency_id: &'a str,
    /// Works in an assigning office (`policy::follows` for their own agency).
    pub office: bool,
    /// A leader of their agency (who sees what their agency assigned).
    pub leader: bool,
}

/// The tasks `viewer` may see, with their lead unit's part, newest first; `state` narrows to
/// the lead unit's state.
pub async fn visible(
    db: &Db,
    viewer: &Viewer<'_>,
    state: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Line>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LINE} WHERE u.role = 'lead'
           AND (EXISTS (SELECT 1 FROM task_units m WHERE m.task_id = t.id AND m.agency_id = $1)
                OR (t.office_agency_id = $1 AND $2 = 1)
                OR (t.authority_agency_id = $1 AND $3 = 1))
           AND ($4 = '' OR t.state = $4)
         ORDER BY t.created_at DESC, t.id DESC LIMIT $5 OFFSET $6"
    )))
    .bind(viewer.agency_id)
    .bind(i64::from(viewer.office))
    .bind(i64::from(viewer.leader))
    .bind(state.unwrap_or_default())
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?)
}

/// The tasks the office `office_agency_id` follows, with their lead unit's part: those still
/// open, nearest deadline first, and those finished assigned from `since` on, latest first —
/// at most `limit` of each (as [`of_unit`]).
pub async fn followed_by(
    db: &Db,
    office_agency_id: &str,
    since: &str,
    limit: i64,
) -> Result<Vec<Line>, AppError> {
    let mut lines: Vec<Line> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LINE} WHERE u.role = 'lead' AND t.office_agency_id = $1
           AND t.state IN ('assigned', 'in_progress', 'completion_reported')
         ORDER BY u.current_due_on, t.code LIMIT $2"
    )))
    .bind(office_agency_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    let finished: Vec<Line> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{LINE} WHERE u.role = 'lead' AND t.office_agency_id = $1
           AND t.state IN ('completed', 'cancelled') AND t.assigned_on >= $2
         ORDER BY t.assigned_on DESC, t.code DESC LIMIT $3"
    )))
    .bind(office_agency_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    lines.extend(finished);
    Ok(lines)
}

/// The id of the account with `email` (the demo acts as its fictional officials).
pub async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?)
}

#[derive(sqlx::FromRow)]
struct ExtensionRow {
    id: String,
    unit_id: String,
    unit_name: String,
    asked_on: String,
    old_due: String,
    new_due: String,
    reason: String,
    asked_by_name: String,
    decision: Option<String>,
    granted_due: Option<String>,
    decision_note: Option<String>,
    decided_on: Option<String>,
}

const EXTENSIONS: &str = "SELECT e.id, e.unit_id, a.name AS unit_name, e.asked_on, e.old_due,
    e.new_due, e.reason, p.full_name AS asked_by_name, e.decision, e.granted_due,
    e.decision_note, e.decided_on
    FROM task_extensions e JOIN task_units u ON u.id = e.unit_id
    JOIN agencies a ON a.id = u.agency_id JOIN users p ON p.id = e.asked_by";

fn extension(r: ExtensionRow) -> Extension {
    Extension {
        id: r.id,
        unit_id: r.unit_id,
        unit_name: r.unit_name,
        asked_on: r.asked_on,
        old_due: r.old_due,
        new_due: r.new_due,
        reason: r.reason,
        asked_by_name: r.asked_by_name,
        decision: r.decision,
        granted_due: r.granted_due,
        decision_note: r.decision_note,
        decided_on: r.decided_on,
    }
}

/// A task's extension requests, oldest first.
pub async fn extensions(db: &Db, task_id: &str) -> Result<Vec<Extension>, AppError> {
    let rows: Vec<ExtensionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{EXTENSIONS} WHERE e.task_id = $1 ORDER BY e.asked_at, e.id"
    )))
    .bind(task_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(extension).collect())
}

/// A task's extension requests in `tx` (its row locked), oldest first.
pub async fn extensions_in(tx: &mut Conn, task_id: &str) -> Result<Vec<Extension>, AppError> {
    let rows: Vec<ExtensionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{EXTENSIONS} WHERE e.task_id = $1 ORDER BY e.asked_at, e.id"
    )))
    .bind(task_id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(extension).collect())
}

/// A new extension request.
#[derive(Debug)]
pub struct NewExtension<'a> {
    pub id: &'a str,
    pub task_id: &'a str,
    pub unit_id: &'a str,
    pub asked_on: &'a str,
    pub old_due: &'a str,
    pub new_due: &'a str,
    pub reason: &'a str,
    pub asked_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_extension(tx: &mut Conn, e: &NewExtension<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_extensions (id, task_id, unit_id, asked_on, old_due, new_due, reason,
            asked_by, asked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.task_id)
    .bind(e.unit_id)
    .bind(e.asked_on)
    .bind(e.old_due)
    .bind(e.new_due)
    .bind(e.reason)
    .bind(e.asked_by)
    .bind(e.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The office's answer to a waiting request.
#[derive(Debug)]
pub struct ExtensionAnswer<'a> {
    pub id: &'a str,
    /// `granted` or `refused`.
    pub decision: &'a str,
    pub granted_due: Option<&'a str>,
    pub note: &'a str,
    pub by: &'a str,
    pub on: &'a str,
    pub now: &'a str,
}

/// Records the answer; false when the request was answered already.
pub async fn answer_extension(tx: &mut Conn, a: &ExtensionAnswer<'_>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE task_extensions SET decision = $2, granted_due = $3, decision_note = $4,
            decided_by = $5, decided_on = $6, decided_at = $7
         WHERE id = $1 AND decision IS NULL",
    )
    .bind(a.id)
    .bind(a.decision)
    .bind(a.granted_due)
    .bind(a.note)
    .bind(a.by)
    .bind(a.on)
    .bind(a.now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves a unit's deadlines: the one worked to and the one lateness is judged by.
pub async fn set_unit_due(
    tx: &mut Conn,
    unit_id: &str,
    current_due_on: &str,
    judged_due_on: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE task_units SET current_due_on = $2, judged_due_on = $3, updated_at = $4
         WHERE id = $1",
    )
    .bind(unit_id)
    .bind(current_due_on)
    .bind(judged_due_on)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An open unit whose deadline the sweep watches.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueUnit {
    pub unit_id: String,
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub agency_id: String,
    pub agency_name: String,
    pub office_agency_id: String,
    pub assigned_on: String,
    pub current_due_on: String,
}

/// The units still being worked on (assigned or in progress) whose deadline falls on or
/// before `horizon`, nearest first — but not those already escalated for their deadline in
/// force: nothing more is owed them, and a province's overdue units are thousands that each
/// sweep would otherwise claim again in vain.
pub async fn open_units_due_by(db: &Db, horizon: &str) -> Result<Vec<DueUnit>, AppError> {
    Ok(sqlx::query_as(
        "SELECT u.id AS unit_id, t.id AS task_id, t.code, t.title, u.agency_id,
            a.name AS agency_name, t.office_agency_id, t.assigned_on, u.current_due_on
         FROM task_units u JOIN tasks t ON t.id = u.task_id JOIN agencies a ON a.id = u.agency_id
         WHERE u.state IN ('assigned', 'in_progress') AND u.current_due_on <= $1
           AND NOT EXISTS (SELECT 1 FROM task_reminders r WHERE r.unit_id = u.id
               AND r.kind = 'escalate' AND r.day = u.current_due_on)
         ORDER BY u.current_due_on, t.code, u.id",
    )
    .bind(horizon)
    .fetch_all(&db.pool)
    .await?)
}

/// Claims the reminder or escalation `kind` of `unit_id`'s deadline `day`: true for the one
/// caller that inserts it, false when it was sent already (on this node or another).
pub async fn claim_reminder(
    tx: &mut Conn,
    unit_id: &str,
    kind: &str,
    day: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO task_reminders (unit_id, kind, day, sent_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(unit_id)
    .bind(kind)
    .bind(day)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A reminder or escalation sent for one of a task's units.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Sent {
    pub unit_name: String,
    pub kind: String,
    pub day: String,
    pub sent_at: String,
}

/// The reminders and escalations sent for task `task_id`'s units, oldest first.
pub async fn reminders_of(db: &Db, task_id: &str) -> Result<Vec<Sent>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.name AS unit_name, r.kind, r.day, r.sent_at
         FROM task_reminders r JOIN task_units u ON u.id = r.unit_id
         JOIN agencies a ON a.id = u.agency_id
         WHERE u.task_id = $1 ORDER BY r.sent_at, r.kind",
    )
    .bind(task_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Someone to tell: account and address.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: String,
    pub email: Option<String>,
}

/// The active leaders of `agency_id`.
pub async fn leaders(tx: &mut Conn, agency_id: &str) -> Result<Vec<Person>, AppError> {
    people(tx, agency_id, "'leader'").await
}

/// The active people of the office `agency_id` who follow its tasks (its leaders, specialists
/// and document clerks; `policy::follows`).
pub async fn office_people(tx: &mut Conn, agency_id: &str) -> Result<Vec<Person>, AppError> {
    people(tx, agency_id, "'leader', 'specialist', 'document_clerk'").await
}

async fn people(tx: &mut Conn, agency_id: &str, roles: &str) -> Result<Vec<Person>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id
         WHERE u.agency_id = $1 AND u.disabled = 0 AND r.role IN ({roles}) ORDER BY u.id"
    )))
    .bind(agency_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// A line of a person's digest: an open unit of a task they lead or follow.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestLine {
    pub user_id: String,
    pub email: Option<String>,
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub unit_name: String,
    pub current_due_on: String,
}

/// For every active leader of a unit with open tasks, and everyone of an office following open
/// tasks: those tasks' open units, nearest deadline first, grouped by person.
pub async fn digest_lines(db: &Db) -> Result<Vec<DigestLine>, AppError> {
    Ok(sqlx::query_as(
        "SELECT p.id AS user_id, p.email, t.id AS task_id, t.code, t.title,
            a.name AS unit_name, u.current_due_on
         FROM task_units u JOIN tasks t ON t.id = u.task_id JOIN agencies a ON a.id = u.agency_id
         JOIN users p ON p.disabled = 0 AND (
            (p.agency_id = u.agency_id AND EXISTS (SELECT 1 FROM user_roles r
                WHERE r.user_id = p.id AND r.role = 'leader'))
            OR (p.agency_id = t.office_agency_id AND EXISTS (SELECT 1 FROM user_roles r
                WHERE r.user_id = p.id AND r.role IN ('leader', 'specialist', 'document_clerk'))))
         WHERE u.state IN ('assigned', 'in_progress')
         ORDER BY p.id, u.current_due_on, t.code, a.name",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Claims `user_id`'s digest of local day `day`: true once across nodes.
pub async fn claim_digest(
    tx: &mut Conn,
    user_id: &str,
    day: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO task_digests (user_id, day, sent_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(day)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
