//! The dead-letter list (`/admin/events`, system administrators): deliveries that failed for
//! good, newest first, each with how many later events of its stream wait behind it for the
//! same subscriber. Retry puts one back in the queue; skip gives it up and releases its
//! stream. Both ask for confirmation first and are audited (`outbox.retry`, `outbox.skip`).

use crate::Ctx;
use crate::audit::{self, Actor, Change};
use crate::auth::platform::{PlatformAction, may};
use crate::error::{AppError, PageResult};
use crate::extract::Path;
use crate::module::{Access, Routes};
use crate::net::ClientIp;
use crate::web::Page;
use crate::web::confirm::{self, Confirmation};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;
use sqlx::Row;

pub const PATH: &str = "/admin/events";

/// The most dead letters one page lists (the total is shown beside it).
const SHOWN: i64 = 200;

pub fn routes() -> Routes {
    Routes::new("platform")
        .get(PATH, Access::Entity("platform"), list)
        .post(
            "/admin/events/{id}/retry",
            Access::Entity("platform"),
            retry,
        )
        .post("/admin/events/{id}/skip", Access::Entity("platform"), skip)
}

/// One dead delivery as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub id: String,
    pub event_id: String,
    pub kind: String,
    pub stream: String,
    pub seq: i64,
    pub subscriber: String,
    pub attempts: i64,
    pub last_error: String,
    /// The error's first line, cut to fit a table cell.
    pub short_error: String,
    pub occurred_at: String,
    pub died_at: String,
    /// Later events of the same stream held back for the same subscriber.
    pub waiting: i64,
}

const SELECT: &str = "SELECT d.id, d.event_id, e.kind, d.stream, d.seq, d.subscriber, d.attempts,
        d.last_error, e.occurred_at, d.finished_at,
        (SELECT COUNT(*) FROM outbox_deliveries w
          WHERE w.subscriber = d.subscriber AND w.stream = d.stream AND w.seq > d.seq
            AND w.status NOT IN ('done', 'skipped')) AS waiting
   FROM outbox_deliveries d JOIN outbox_events e ON e.id = d.event_id
  WHERE d.status = 'dead'";

fn from_row(r: &sqlx::any::AnyRow) -> Result<DeadLetter, AppError> {
    let last_error = r
        .try_get::<Option<String>, _>("last_error")?
        .unwrap_or_default();
    let first_line = last_error.lines().next().unwrap_or_default();
    let mut short_error: String = first_line.chars().take(80).collect();
    if short_error.len() < last_error.len() {
        short_error.push('…');
    }
    Ok(DeadLetter {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        kind: r.try_get("kind")?,
        stream: r.try_get("stream")?,
        seq: r.try_get("seq")?,
        subscriber: r.try_get("subscriber")?,
        attempts: r.try_get("attempts")?,
        last_error,
        short_error,
        occurred_at: r.try_get("occurred_at")?,
        died_at: r
            .try_get::<Option<String>, _>("finished_at")?
            .unwrap_or_default(),
        waiting: r.try_get("waiting")?,
    })
}

/// Dead deliveries, the most recently dead first; and how many there are in all.
pub async fn dead_letters(state: &Ctx) -> Result<(Vec<DeadLetter>, i64), AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY d.finished_at DESC, d.id DESC LIMIT $1"
    )))
    .bind(SHOWN)
    .fetch_all(&state.db.pool)
    .await?;
    let total: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM outbox_deliveries WHERE status = 'dead'")
            .fetch_one(&state.db.pool)
            .await?
            .try_get("n")?;
    Ok((rows.iter().map(from_row).collect::<Result<_, _>>()?, total))
}

async fn dead_letter(state: &Ctx, id: &str) -> Result<DeadLetter, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} AND d.id = $1")))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    from_row(&row)
}

async fn list(State(state): State<Ctx>, page: Page) -> PageResult<impl IntoResponse> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let (dead, total) = dead_letters(&state).await?;
    page.render(
        "admin/events.html",
        context! { dead => crate::web::sv(&dead), total => total, shown => SHOWN },
    )
}

#[derive(serde::Deserialize, Default)]
struct ConfirmForm {
    confirm: Option<String>,
}

/// Which of the two actions, with its confirmation texts and audit action.
#[derive(Clone, Copy)]
enum Fix {
    Retry,
    Skip,
}

impl Fix {
    fn what(self) -> &'static str {
        match self {
            Fix::Retry => "outbox_retry",
            Fix::Skip => "outbox_skip",
        }
    }

    fn path(self, id: &str) -> String {
        match self {
            Fix::Retry => format!("/admin/events/{id}/retry"),
            Fix::Skip => format!("/admin/events/{id}/skip"),
        }
    }
}

async fn retry(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    crate::extract::Form(form): crate::extract::Form<ConfirmForm>,
) -> PageResult<Response> {
    fix(state, page, ip, id, form, Fix::Retry).await
}

async fn skip(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    crate::extract::Form(form): crate::extract::Form<ConfirmForm>,
) -> PageResult<Response> {
    fix(state, page, ip, id, form, Fix::Skip).await
}

async fn fix(
    state: Ctx,
    page: Page,
    ip: String,
    id: String,
    form: ConfirmForm,
    how: Fix,
) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let letter = dead_letter(&state, &id).await?;
    if !confirm::given(form.confirm.as_deref()) {
        return Confirmation::new(how.what(), how.path(&id), PATH)
            .fact("events_kind", &letter.kind)
            .fact(
                "events_stream",
                format!("{} #{}", letter.stream, letter.seq),
            )
            .fact("events_subscriber", &letter.subscriber)
            .fact("events_last_error", &letter.last_error)
            .fact("events_waiting", letter.waiting.to_string())
            .render(&page);
    }
    let actor = Actor {
        label: page.principal().actor_label(),
        ip,
    };
    match how {
        Fix::Retry => retry_dead(&state, &actor, &id).await?,
        Fix::Skip => skip_dead(&state, &actor, &id).await?,
    }
    // A retried delivery is due now; a skipped one releases those waiting behind it.
    super::committed(&state);
    Ok(Redirect::to(PATH).into_response())
}

/// What an administrator does with a dead delivery.
#[derive(Debug, Clone, Copy)]
enum Resolution {
    /// Back in the queue with its attempts reset, due now.
    Retry,
    /// Given up: its subscriber never handles that event, and the later events of the stream
    /// it held back are delivered.
    Skip,
}

impl Resolution {
    fn update(self) -> &'static str {
        match self {
            Resolution::Retry => {
                "UPDATE outbox_deliveries
                    SET status = 'pending', attempts = 0, next_attempt_at = $2, finished_at = NULL,
                        claim_token = NULL
                  WHERE id = $1 AND status = 'dead'"
            }
            Resolution::Skip => {
                "UPDATE outbox_deliveries SET status = 'skipped', finished_at = $2, claim_token = NULL
                  WHERE id = $1 AND status = 'dead'"
            }
        }
    }

    fn outcome(self) -> Outcome {
        match self {
            Resolution::Retry => Outcome {
                action: "outbox.retry",
                status: "pending",
            },
            Resolution::Skip => Outcome {
                action: "outbox.skip",
                status: "skipped",
            },
        }
    }
}

/// The audited action and the delivery's new status.
struct Outcome {
    action: &'static str,
    status: &'static str,
}

/// Puts a dead delivery back in the queue with its attempts reset, due now.
pub async fn retry_dead(state: &Ctx, actor: &Actor, id: &str) -> Result<(), AppError> {
    resolve_dead(state, actor, id, Resolution::Retry).await
}

/// Gives a dead delivery up: its subscriber never handles that event, and the later events of
/// the stream it held back are delivered.
pub async fn skip_dead(state: &Ctx, actor: &Actor, id: &str) -> Result<(), AppError> {
    resolve_dead(state, actor, id, Resolution::Skip).await
}

/// Changes a delivery that is still dead, audited in the same transaction.
async fn resolve_dead(
    state: &Ctx,
    actor: &Actor,
    id: &str,
    resolution: Resolution,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query(resolution.update())
        .bind(id)
        .bind(crate::time::now_text())
        .execute(&mut *tx)
        .await?;
    if changed.rows_affected() == 0 {
        return Err(AppError::Conflict(
            "Lượt gửi này không còn trong danh sách gửi hỏng.".into(),
        ));
    }
    let Outcome { action, status } = resolution.outcome();
    audit::record(
        &state.db,
        &mut tx,
        actor,
        Change {
            action,
            entity_type: "outbox_delivery",
            entity_id: id,
            before: serde_json::json!({ "status": "dead" }),
            after: serde_json::json!({ "status": status }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
