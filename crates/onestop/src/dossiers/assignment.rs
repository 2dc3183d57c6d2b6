//! Assignment of a dossier to a named specialist, and each official's "my work". A leader or
//! the one-stop clerk of the agency holding a dossier chooses a specialist of that agency,
//! seeing each one's current load; the choice is audited and the specialist is told (inbox and
//! email, by the subscriber of its event `dossier.assigned`).
//! A dossier assigned to someone is theirs for the specialist's actions (see
//! `policy::DossierPolicy`); unassigned dossiers stay open to every specialist of the agency, as
//! before assignment existed.

use super::policy::{DossierAction, DossierPolicy, checked};
use super::service::Who;
use super::{Dossier, local_now, local_text, store};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tinhso_domain::dossier::urgency;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Change};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::calendar;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::extract::{Form, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::Page;

pub fn routes() -> Routes {
    Routes::new("onestop").post(
        "/office/dossiers/{id}/assign",
        Access::Entity("dossier"),
        assign_page,
    )
}

/// A specialist of an agency and their current load.
#[derive(Debug, Clone, Serialize)]
pub struct Load {
    pub id: String,
    pub full_name: String,
    /// Open dossiers assigned to them.
    pub open: i64,
    /// Of those, being processed and due soon (the calendar's rule).
    pub due_soon: i64,
    /// Of those, being processed past their due moment.
    pub overdue: i64,
}

/// The active specialists of `agency_id` with their loads, by name; "due soon" counted by the
/// calendar's rule, as the queues count it.
pub async fn specialists(
    db: &Db,
    calendar: &tinhso_domain::calendar::Calendar,
    agency_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Load>, AppError> {
    let due_soon = super::office::due_soon(db, calendar, agency_id, now).await?;
    let rows = store::assignment::loads(db, agency_id, &local_text(now)).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let soon = due_soon
                .iter()
                .filter(|d| d.assignee_id.as_deref() == Some(r.id.as_str()))
                .count() as i64;
            Load {
                full_name: r.full_name,
                open: r.open,
                due_soon: soon,
                overdue: r.overdue,
                id: r.id,
            }
        })
        .collect())
}

/// Assigns dossier `id` to specialist `assignee` (or re-assigns it): checked, audited, and its
/// event `dossier.assigned` emitted, in one transaction (the event's subscriber
/// `notices::NOTIFY_ASSIGNEE` tells the specialist, and the one it was taken from).
pub async fn assign(state: &Ctx, who: &Who<'_>, id: &str, assignee: &str) -> Result<(), AppError> {
    let db = &state.db;
    let mut tx = db.begin().await?;
    let d = store::for_update(db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Decided again on the locked row (the handler checked a moment ago).
    DossierPolicy::assigning(who.user, &d)?;
    let name = specialist_of(&mut tx, &d.agency_id, assignee)
        .await?
        .ok_or_else(|| {
            AppError::validation(
                "assignee",
                "Chọn một chuyên viên của cơ quan đang giữ hồ sơ.",
            )
        })?;
    if d.assignee_id.as_deref() == Some(assignee) {
        return Ok(());
    }
    let now = tinhso_kernel::time::now_text();
    store::assignment::set_assignee(&mut tx, &d.id, assignee, &now).await?;
    audit::record(
        db,
        &mut tx,
        &who.audit_actor(),
        Change {
            action: "dossier.assign",
            entity_type: "dossier",
            entity_id: &d.id,
            before: serde_json::json!({ "assignee_id": d.assignee_id }),
            after: serde_json::json!({ "assignee_id": assignee, "assignee_name": name }),
        },
    )
    .await?;
    tinhso_kernel::events::emit(
        state,
        &mut tx,
        tinhso_kernel::events::NewEvent {
            kind: &super::events::ASSIGNED,
            aggregate_id: &d.id,
            payload: serde_json::json!({
                "dossier_id": d.id, "code": d.code, "agency_code": d.agency_code,
                "assignee_id": assignee, "previous": d.assignee_id,
            }),
            actor: &who.audit_actor(),
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(state);
    Ok(())
}

/// The name of `user_id` if they are an active specialist of `agency_id`.
async fn specialist_of(
    tx: &mut Conn,
    agency_id: &str,
    user_id: &str,
) -> Result<Option<String>, AppError> {
    store::assignment::specialist_name(tx, agency_id, user_id).await
}

/// A forwarded dossier leaves its specialist behind (they have no reach in the other agency).
pub async fn clear(tx: &mut Conn, id: &str) -> Result<(), AppError> {
    store::assignment::clear_assignee(tx, id).await
}

/// The open dossiers assigned to `user_id`: overdue first, then due today, then by due moment.
pub async fn my_work(db: &Db, user_id: &str) -> Result<Vec<Dossier>, AppError> {
    let mut work = store::assignment::open_of(db, user_id).await?;
    let now = local_now().into();
    work.sort_by_key(|d| (urgency(d.due, now), d.due));
    Ok(work)
}

#[derive(Deserialize, Default)]
struct AssignForm {
    #[serde(default)]
    assignee: String,
}

async fn assign_page(
    State(state): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> PageResult<Response> {
    let user = page.require_user()?.clone();
    checked(&state, &page.principal(), &id, DossierAction::Assign).await?;
    let who = Who {
        user: &user,
        ip: &ip,
    };
    match assign(&state, &who, &id, form.assignee.trim()).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/dossiers/{id}?assigned=1")).into_response()),
        Err(AppError::Validation(errors)) => {
            let d = super::policy::visible(&state, &page.principal(), &id).await?;
            super::office::render(&state, &page, &d, &errors).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The queues each role takes work from, for the "my work" page.
fn queues_of(user: &User) -> Vec<store::Queue> {
    use store::Queue;
    Queue::ALL
        .into_iter()
        .filter(|q| match q {
            Queue::New | Queue::Waiting | Queue::ToReturn => user.has_role(Role::OneStopClerk),
            Queue::InProgress | Queue::DueSoon | Queue::Overdue => {
                user.has_role(Role::Specialist) || user.has_role(Role::Leader)
            }
            Queue::Done => false,
        })
        .collect()
}

/// What an official's landing page shows first: their own dossiers (most pressing first,
/// marked) and the role queues they can take from, with counts.
pub async fn landing(state: &Ctx, user: &User) -> Result<minijinja::Value, AppError> {
    use minijinja::context;
    let Some(agency_id) = user.agency_id.as_deref() else {
        return Ok(context! {});
    };
    let calendar = calendar::load(&state.db).await?;
    let now = local_now();
    let work: Vec<minijinja::Value> = my_work(&state.db, &user.id)
        .await?
        .iter()
        .map(|d| {
            context! {
                urgency => tinhso_kernel::web::sv(urgency(d.due, now.into())),
                ..super::citizen::summary(d, &calendar, now)
            }
        })
        .collect();
    let counts = super::office::queue_counts(&state.db, &calendar, agency_id, now).await?;
    let wanted = queues_of(user);
    let queues: Vec<minijinja::Value> = counts
        .into_iter()
        .filter(|(q, _)| wanted.contains(q))
        .map(|(q, n)| context! { name => q.as_str(), count => n })
        .collect();
    Ok(context! { work => work, queues => queues })
}
