//! The statements of the overview and the ranking (docs/tasks-design.md §5, slice 4): the
//! Government Office's four buckets per unit counted in SQL over the tasks an office follows
//! or an authority assigned in a period, never loading the tasks; and the ranking's rules.
//!
//! A unit's bucket on the day judged (`as_of`) is `tinhso_domain::task::deadline::bucket` in
//! SQL: finished on or before that day — on time when not after its `judged_due_on`, late
//! otherwise; else open — within the deadline while the day is not after it, overdue after.
//! Days are `YYYY-MM-DD` text, so text order is time order on both databases. Cancelled
//! units are not judged.

use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Whose tasks: those the office `agency_id` follows (`office`), and those it assigned as an
/// authority (`leader`).
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub agency_id: &'a str,
    pub office: bool,
    pub leader: bool,
}

/// What is counted: tasks assigned from `from` to `to` (inclusive), judged on `as_of`;
/// empty strings filter nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub authority_id: String,
    pub unit_id: String,
    pub field: String,
    pub from: String,
    pub to: String,
    pub as_of: String,
    /// A bucket's name, or empty.
    pub bucket: String,
}

/// The conditions on the tasks `t` and units `u` in scope (parameters $1–$8, each referred to
/// whether it filters or not, so that PostgreSQL knows their types). The scope and the filters
/// given are written as plain conditions, not `($6 = '' OR …)`: a plan made for one of those
/// serves every value, and reads every task of the office whatever the period (both databases
/// then use the index on office or authority and day of assignment).
fn in_scope(scope: &Scope<'_>, f: &Filter) -> String {
    let whose = match (scope.office, scope.leader) {
        (true, true) => "(t.office_agency_id = $1 OR t.authority_agency_id = $1)",
        (true, false) => "t.office_agency_id = $1",
        (false, true) => "t.authority_agency_id = $1",
        (false, false) => "1 = 0",
    };
    let given = |value: &str, condition: &'static str, unused: &'static str| {
        if value.is_empty() { unused } else { condition }
    };
    let authority = given(&f.authority_id, "t.authority_agency_id = $6", "$6 = ''");
    let unit = given(&f.unit_id, "u.agency_id = $7", "$7 = ''");
    let field = given(&f.field, "t.field = $8", "$8 = ''");
    format!(
        "{whose} AND $2 >= 0 AND $3 >= 0
       AND t.assigned_on >= $4 AND t.assigned_on <= $5
       AND {authority} AND {unit} AND {field}
       AND u.state <> 'cancelled'"
    )
}

/// The units' rows in scope with their bucket judged on $9, as a subquery `x`.
fn judged(scope: &Scope<'_>, f: &Filter) -> String {
    format!(
        "(SELECT u.agency_id, u.task_id, u.role, u.judged_due_on, u.finished_on, t.priority,
        CASE WHEN u.finished_on IS NOT NULL AND u.finished_on <= $9 THEN
                CASE WHEN u.finished_on <= u.judged_due_on THEN 'done_on_time' ELSE 'done_late' END
             WHEN $9 <= u.judged_due_on THEN 'open_within_deadline'
             ELSE 'open_overdue' END AS bucket
     FROM tasks t JOIN task_units u ON u.task_id = t.id
     WHERE {}) x",
        in_scope(scope, f)
    )
}

/// The units in scope counted per unit (and priority, when `by_priority`) in the four buckets
/// judged on $9, one column a bucket, units by code: the same buckets as [`judged`]'s.
///
/// Counted per unit first and named after: grouping the year's 60,000 assignments by unit
/// and bucket, with the unit's code and name, made PostgreSQL sort them all on text keys
/// (1.4 s at 100,000 tasks with its generic plan); a handful of groups hash instead.
fn counted(scope: &Scope<'_>, f: &Filter, by_priority: bool) -> String {
    let (priority, group) = if by_priority {
        ("t.priority", ", t.priority")
    } else {
        ("''", "")
    };
    format!(
        "SELECT c.agency_id, a.code, a.name, c.priority, c.done_on_time, c.done_late,
                c.open_within_deadline, c.open_overdue
         FROM (SELECT u.agency_id, {priority} AS priority,
            CAST(SUM(CASE WHEN u.finished_on IS NOT NULL AND u.finished_on <= $9
                AND u.finished_on <= u.judged_due_on THEN 1 ELSE 0 END) AS BIGINT) AS done_on_time,
            CAST(SUM(CASE WHEN u.finished_on IS NOT NULL AND u.finished_on <= $9
                AND u.finished_on > u.judged_due_on THEN 1 ELSE 0 END) AS BIGINT) AS done_late,
            CAST(SUM(CASE WHEN (u.finished_on IS NULL OR u.finished_on > $9)
                AND $9 <= u.judged_due_on THEN 1 ELSE 0 END) AS BIGINT) AS open_within_deadline,
            CAST(SUM(CASE WHEN (u.finished_on IS NULL OR u.finished_on > $9)
                AND $9 > u.judged_due_on THEN 1 ELSE 0 END) AS BIGINT) AS open_overdue
            FROM tasks t JOIN task_units u ON u.task_id = t.id
            WHERE {}
            GROUP BY u.agency_id{group}) c
         JOIN agencies a ON a.id = c.agency_id
         ORDER BY a.code, c.priority",
        in_scope(scope, f)
    )
}

/// A unit's (and priority's) counts in the four buckets.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
struct Counts {
    agency_id: String,
    code: String,
    name: String,
    priority: String,
    done_on_time: i64,
    done_late: i64,
    open_within_deadline: i64,
    open_overdue: i64,
}

/// `counts` one row a bucket that has any (buckets in name order), only `bucket`'s when it
/// is given: what grouping by bucket in SQL gave.
fn per_bucket(counts: Vec<Counts>, bucket: &str) -> Vec<(Counts, &'static str, i64)> {
    let mut rows = Vec::new();
    for c in counts {
        for (name, n) in [
            ("done_late", c.done_late),
            ("done_on_time", c.done_on_time),
            ("open_overdue", c.open_overdue),
            ("open_within_deadline", c.open_within_deadline),
        ] {
            if n > 0 && (bucket.is_empty() || bucket == name) {
                rows.push((c.clone(), name, n));
            }
        }
    }
    rows
}

macro_rules! bind_scope {
    ($q:expr, $scope:expr, $f:expr) => {
        $q.bind($scope.agency_id)
            .bind(i64::from($scope.office))
            .bind(i64::from($scope.leader))
            .bind(&$f.from)
            .bind(&$f.to)
            .bind(&$f.authority_id)
            .bind(&$f.unit_id)
            .bind(&$f.field)
            .bind(&$f.as_of)
    };
}

macro_rules! bind_filter {
    ($q:expr, $scope:expr, $f:expr) => {
        bind_scope!($q, $scope, $f).bind(&$f.bucket)
    };
}

/// How many of a unit's assignments fell in a bucket.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitBucket {
    pub agency_id: String,
    pub code: String,
    pub name: String,
    pub bucket: String,
    pub n: i64,
}

/// The count per (unit, bucket), units by code.
pub async fn buckets(db: &Db, scope: &Scope<'_>, f: &Filter) -> Result<Vec<UnitBucket>, AppError> {
    let q = sqlx::query_as(sqlx::AssertSqlSafe(counted(scope, f, false)));
    let counts: Vec<Counts> = bind_scope!(q, scope, f).fetch_all(&db.pool).await?;
    Ok(per_bucket(counts, &f.bucket)
        .into_iter()
        .map(|(c, bucket, n)| UnitBucket {
            agency_id: c.agency_id,
            code: c.code,
            name: c.name,
            bucket: bucket.to_owned(),
            n,
        })
        .collect())
}

/// How many of a unit's assignments of a priority fell in a bucket: the ranking's tallies.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitTally {
    pub agency_id: String,
    pub code: String,
    pub name: String,
    pub priority: String,
    pub bucket: String,
    pub n: i64,
}

/// The count per (unit, priority, bucket), units by code.
pub async fn tallies(db: &Db, scope: &Scope<'_>, f: &Filter) -> Result<Vec<UnitTally>, AppError> {
    let q = sqlx::query_as(sqlx::AssertSqlSafe(counted(scope, f, true)));
    let counts: Vec<Counts> = bind_scope!(q, scope, f).fetch_all(&db.pool).await?;
    Ok(per_bucket(counts, &f.bucket)
        .into_iter()
        .map(|(c, bucket, n)| UnitTally {
            agency_id: c.agency_id,
            code: c.code,
            name: c.name,
            priority: c.priority,
            bucket: bucket.to_owned(),
            n,
        })
        .collect())
}

/// A unit's assignment in the overview's list: the links to the tasks.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct JudgedLine {
    pub task_id: String,
    pub code: String,
    pub title: String,
    pub unit_code: String,
    pub unit_name: String,
    pub role: String,
    pub judged_due_on: String,
    pub finished_on: Option<String>,
    pub bucket: String,
}

/// The assignments counted, nearest judged deadline first, at most `limit`.
pub async fn lines(
    db: &Db,
    scope: &Scope<'_>,
    f: &Filter,
    limit: i64,
) -> Result<Vec<JudgedLine>, AppError> {
    let sql = format!(
        "SELECT x.task_id, t.code, t.title, a.code AS unit_code, a.name AS unit_name, x.role,
                x.judged_due_on, x.finished_on, x.bucket
         FROM {}
         JOIN tasks t ON t.id = x.task_id JOIN agencies a ON a.id = x.agency_id
         WHERE ($10 = '' OR x.bucket = $10)
         ORDER BY x.judged_due_on, t.code, a.code LIMIT $11",
        judged(scope, f)
    );
    let q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
    Ok(bind_filter!(q, scope, f)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
}

/// Whether the office `agency_id` follows any authority's tasks (named in `task_offices`, or
/// the office of a task), and whether it is itself an authority that assigned or has an office.
pub async fn roles_of(db: &Db, agency_id: &str) -> Result<(bool, bool), AppError> {
    // Whether any row exists, not how many: an office follows a hundred thousand tasks, and
    // every page and API call of the overview, ranking and board asks this first. The probe
    // into `tasks` is a first row in index order, not an EXISTS: PostgreSQL's generic plan for
    // a prepared EXISTS expects a match at once (nearly all tasks share one authority) and
    // scans the whole table for an agency that has none — 30 ms alone, 300 ms under load.
    let office: i64 = any_of(
        db,
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM task_offices WHERE office_agency_id = $1)
            OR (SELECT assigned_on FROM tasks WHERE office_agency_id = $1
                ORDER BY office_agency_id, assigned_on LIMIT 1) IS NOT NULL
            THEN 1 ELSE 0 END AS BIGINT)",
        agency_id,
    )
    .await?;
    let authority: i64 = any_of(
        db,
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM task_offices WHERE authority_agency_id = $1)
            OR (SELECT assigned_on FROM tasks WHERE authority_agency_id = $1
                ORDER BY authority_agency_id, assigned_on LIMIT 1) IS NOT NULL
            THEN 1 ELSE 0 END AS BIGINT)",
        agency_id,
    )
    .await?;
    Ok((office > 0, authority > 0))
}

/// 1 when the query's rows exist for `agency_id`, else 0.
async fn any_of(db: &Db, sql: &'static str, agency_id: &str) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(sql)
        .bind(agency_id)
        .fetch_one(&db.pool)
        .await?)
}

/// An authority or unit the filters offer: id, code, name.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Choice {
    pub id: String,
    pub code: String,
    pub name: String,
}

/// The authorities whose tasks are in scope, by code.
pub async fn authorities(db: &Db, scope: &Scope<'_>) -> Result<Vec<Choice>, AppError> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.code, a.name FROM agencies a
         WHERE (a.id = $1 AND $3 = 1)
            OR ($2 = 1 AND (a.id IN (SELECT authority_agency_id FROM task_offices WHERE office_agency_id = $1)
                OR (a.id = $1 AND NOT EXISTS (SELECT 1 FROM task_offices WHERE authority_agency_id = $1))))
         ORDER BY a.code",
    )
    .bind(scope.agency_id)
    .bind(i64::from(scope.office))
    .bind(i64::from(scope.leader))
    .fetch_all(&db.pool)
    .await?)
}

/// The agency with `code`, if any: (id, name).
pub async fn agency_by_code(db: &Db, code: &str) -> Result<Option<(String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT id, name FROM agencies WHERE code = $1")
            .bind(code)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The name of an agency and of its parent (the PDF's header).
pub async fn names(db: &Db, agency_id: &str) -> Result<(String, String), AppError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT a.name, p.name FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
         WHERE a.id = $1",
    )
    .bind(agency_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row
        .map(|(a, p)| (a, p.unwrap_or_default()))
        .unwrap_or_default())
}

/// A set of ranking rules as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RulesRow {
    pub id: String,
    pub rules: String,
    pub valid_from: String,
    pub note: String,
    pub set_by_name: Option<String>,
    pub set_at: String,
}

const RULES: &str = "SELECT r.id, r.rules, r.valid_from, r.note, u.full_name AS set_by_name,
    r.set_at FROM task_rules r LEFT JOIN users u ON u.id = r.set_by";

/// The rules in force on `day`: the latest valid from it or before, the last set first.
pub async fn rules_on(db: &Db, day: &str) -> Result<Option<RulesRow>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RULES} WHERE r.valid_from <= $1 ORDER BY r.valid_from DESC, r.set_at DESC, r.id DESC
         LIMIT 1"
    )))
    .bind(day)
    .fetch_optional(&db.pool)
    .await?)
}

/// Every set of rules, the latest valid first, at most `limit`.
pub async fn rules_history(db: &Db, limit: i64) -> Result<Vec<RulesRow>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{RULES} ORDER BY r.valid_from DESC, r.set_at DESC, r.id DESC LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Stores a new set of rules.
pub async fn insert_rules(
    tx: &mut Conn,
    id: &str,
    rules: &str,
    valid_from: &str,
    note: &str,
    set_by: &str,
    set_at: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO task_rules (id, rules, valid_from, note, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(rules)
    .bind(valid_from)
    .bind(note)
    .bind(set_by)
    .bind(set_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A unit's row as the operations centre counts it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CountingUnit {
    pub agency_id: String,
    pub priority: String,
    pub assigned_on: String,
    pub judged_due_on: String,
    pub finished_on: Option<String>,
    pub state: String,
}

/// The units of task `id` for counting; `None` when there is no such task.
pub async fn counting_units(
    tx: &mut Conn,
    id: &str,
) -> Result<Option<Vec<CountingUnit>>, AppError> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM tasks WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_as(
            "SELECT u.agency_id, t.priority, t.assigned_on, u.judged_due_on, u.finished_on, u.state
             FROM task_units u JOIN tasks t ON t.id = u.task_id WHERE t.id = $1 ORDER BY u.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?,
    ))
}

/// The ids of tasks after `after`, in id order, at most `limit`: a recount walks them.
pub async fn counting_ids(tx: &mut Conn, after: &str, limit: i64) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM tasks WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?,
    )
}

/// A line of the module's figures: units assigned in the period, finished by its end, and
/// finished by their judged deadline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureLine {
    pub key: String,
    pub name: String,
    pub received: i64,
    pub processed: i64,
    pub on_time: i64,
}

/// The figures of the units assigned from `from` to `to`, per unit (`by_field` false) or per
/// field, counted in SQL.
pub async fn figures(
    db: &Db,
    by_field: bool,
    from: &str,
    to: &str,
) -> Result<Vec<FigureLine>, AppError> {
    let (key, name) = if by_field {
        ("t.field", "t.field")
    } else {
        ("a.code", "a.name")
    };
    let sql = format!(
        "SELECT {key} AS key, {name} AS name, CAST(COUNT(*) AS BIGINT) AS received,
            CAST(COALESCE(SUM(CASE WHEN u.finished_on IS NOT NULL AND u.finished_on <= $2
                THEN 1 ELSE 0 END), 0) AS BIGINT) AS processed,
            CAST(COALESCE(SUM(CASE WHEN u.finished_on IS NOT NULL AND u.finished_on <= $2
                AND u.finished_on <= u.judged_due_on THEN 1 ELSE 0 END), 0) AS BIGINT) AS on_time
         FROM tasks t JOIN task_units u ON u.task_id = t.id JOIN agencies a ON a.id = u.agency_id
         WHERE t.assigned_on >= $1 AND t.assigned_on <= $2 AND u.state <> 'cancelled'
         GROUP BY {key}, {name} ORDER BY {key}"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await?)
}

/// The tasks' generation (`task_generation`): the overview's cache is valid while it stays.
pub async fn generation(db: &Db) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT generation FROM task_generation WHERE id = 1")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Raises the tasks' generation in the transaction of a change to tasks, their units or the
/// ranking's rules (every node's cached counts are then read again).
pub async fn bump_generation(tx: &mut Conn) -> Result<(), AppError> {
    sqlx::query("UPDATE task_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, priority: &str, counts: [i64; 4]) -> Counts {
        Counts {
            agency_id: format!("id-{code}"),
            code: code.into(),
            name: format!("Unit {code}"),
            priority: priority.into(),
            done_on_time: counts[0],
            done_late: counts[1],
            open_within_deadline: counts[2],
            open_overdue: counts[3],
        }
    }

    /// (unit code, priority, bucket, count).
    type Flat = (String, String, &'static str, i64);

    fn flat(rows: Vec<(Counts, &'static str, i64)>) -> Vec<Flat> {
        rows.into_iter()
            .map(|(c, b, n)| (c.code, c.priority, b, n))
            .collect()
    }

    #[test]
    fn a_units_counts_become_a_row_per_bucket_it_has() {
        let counts = vec![
            unit("A", "high", [3, 0, 1, 2]),
            unit("A", "normal", [0, 0, 0, 0]),
            unit("B", "", [0, 5, 0, 0]),
        ];
        let s = |v: &str| v.to_owned();
        let cases: [(&str, Vec<Flat>); 4] = [
            (
                "",
                vec![
                    (s("A"), s("high"), "done_on_time", 3),
                    (s("A"), s("high"), "open_overdue", 2),
                    (s("A"), s("high"), "open_within_deadline", 1),
                    (s("B"), s(""), "done_late", 5),
                ],
            ),
            ("done_late", vec![(s("B"), s(""), "done_late", 5)]),
            ("open_overdue", vec![(s("A"), s("high"), "open_overdue", 2)]),
            ("nothing_of_the_kind", vec![]),
        ];
        for (bucket, want) in cases {
            assert_eq!(flat(per_bucket(counts.clone(), bucket)), want, "{bucket:?}");
        }
    }
}
