//! A person's calendar feed of deadlines (docs/tasks-design.md §4, slice 5): an iCalendar
//! (RFC 5545) document at a secret URL, `/tasks/feed/<secret>.ics`, that phone and desktop
//! calendars subscribe to. One all-day `VEVENT` per open unit deadline the person is concerned
//! with, as the module's visibility rule says (`policy::decision`, narrowed as
//! `store::visible` narrows lists): their own unit's part of each task, and every unit of the
//! tasks their office follows or their agency assigned (a leader). The event's `UID` is the
//! unit's, so a calendar keeps it across fetches; its `SEQUENCE` counts the extensions granted,
//! each of which moved the date.
//!
//! The secret (32 random bytes) is shown once when made, on `/office/tasks/feed`; only its
//! SHA-256 is stored (`task_feeds`). Making a new one revokes the old; a revoked or unknown
//! secret, or a disabled account's, answers 404. Each feed is fetched at most
//! [`FETCHES_PER_HOUR`] times an hour (calendars poll far less). Making and revoking are audited
//! (`task.feed_create`, `task.feed_revoke`) with an event, in one transaction.

use crate::store::feeds::{self, Deadline};
use crate::{pages, policy};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use icalendar::{Calendar, Component, EventLike, Property};
use minijinja::context;
use serde_json::{Value, json};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::auth::throttle::{self, Limit};
use tinhso_kernel::auth::{Role, User, random_token, token_hash};
use tinhso_kernel::error::{AppError, PageResult};
use tinhso_kernel::events::{EventKind, NewEvent, emit};
use tinhso_kernel::extract::Path;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, sv};

/// The page where a person makes, sees and revokes their feed.
pub const PAGE: &str = "/office/tasks/feed";
/// Where calendars fetch feeds: `/tasks/feed/<secret>.ics`.
pub const PREFIX: &str = "/tasks/feed/";

/// How often one feed may be fetched in an hour.
pub const FETCHES_PER_HOUR: i64 = 120;
/// The most events a feed lists (nearest deadlines first).
pub const MAX_EVENTS: i64 = 2_000;

pub const FEED_CREATED: EventKind = EventKind::new("task.feed_created", "task_feed");
pub const FEED_REVOKED: EventKind = EventKind::new("task.feed_revoked", "task_feed");

pub fn routes() -> Routes {
    Routes::new("tasks")
        .get("/tasks/feed/{file}", Access::Public, ics)
        .get(PAGE, Access::Entity("task"), feed_page)
        .post(PAGE, Access::Entity("task"), feed_create)
        .post(
            "/office/tasks/feed/{id}/revoke",
            Access::Entity("task"),
            feed_revoke,
        )
}

/// The feed `secret` names, as an iCalendar document; 404 for anything else.
async fn ics(State(ctx): State<Ctx>, Path(file): Path<String>) -> PageResult<Response> {
    let secret = file.strip_suffix(".ics");
    let Some(secret) = secret.filter(|s| (20..=100).contains(&s.len())) else {
        return Err(AppError::NotFound.into());
    };
    let Some((feed_id, user_id)) = feeds::owner(&ctx.db, &token_hash(secret)).await? else {
        return Err(AppError::NotFound.into());
    };
    let limit = Limit {
        max_hits: FETCHES_PER_HOUR,
        window_minutes: 60,
    };
    throttle::hit(&ctx.db, &format!("task-feed:{feed_id}"), limit).await?;
    let Some(user) = tinhso_kernel::auth::session::load_user(&ctx.db, &user_id).await? else {
        return Err(AppError::NotFound.into());
    };
    let deadlines = deadlines_of(&ctx, &user).await?;
    let base = ctx.config.public_url.trim_end_matches('/');
    let body = calendar(base, &user, &deadlines, chrono::Utc::now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

/// The open unit deadlines `user` is concerned with.
pub async fn deadlines_of(ctx: &Ctx, user: &User) -> Result<Vec<Deadline>, AppError> {
    let Some(agency) = user.agency_id.as_deref().filter(|_| user.is_official()) else {
        return Ok(Vec::new());
    };
    feeds::open_deadlines(
        &ctx.db,
        agency,
        policy::may_create(user),
        user.has_role(Role::Leader),
        MAX_EVENTS,
    )
    .await
}

/// The host part of the platform's address, for the events' `UID`s.
fn host_of(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if host.is_empty() { "tinhso" } else { host }
}

/// Text escaped as RFC 5545 §3.3.11 says, for the properties the writer does not know as text.
fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

fn state_text(state: &str) -> &'static str {
    match state {
        "assigned" => "mới giao",
        "in_progress" => "đang thực hiện",
        "completion_reported" => "đã báo cáo hoàn thành, chờ đánh giá",
        _ => "",
    }
}

/// The feed of `user` as an iCalendar document (CRLF lines, folded at 75 octets, text
/// escaped: the `icalendar` crate's writer). `now` is each event's `DTSTAMP`.
pub fn calendar(
    base: &str,
    user: &User,
    deadlines: &[Deadline],
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let base = base.trim_end_matches('/');
    let host = host_of(base);
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Tinh So//Nhiem vu//VI"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new(
            "X-WR-CALNAME",
            escaped(&format!("Hạn nhiệm vụ — {}", user.full_name)),
        ))
        .append_property(Property::new("X-WR-TIMEZONE", "Asia/Ho_Chi_Minh"))
        .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"))
        .append_property(
            Property::new("REFRESH-INTERVAL", "PT1H")
                .add_parameter("VALUE", "DURATION")
                .done(),
        );
    let own = user.agency_id.as_deref().unwrap_or_default();
    for d in deadlines {
        let Ok(day) = NaiveDate::parse_from_str(&d.current_due_on, "%Y-%m-%d") else {
            continue;
        };
        let role = if d.role == "lead" {
            "chủ trì"
        } else {
            "phối hợp"
        };
        let summary = if d.agency_id == own {
            format!("{}: {}", d.code, d.title)
        } else {
            format!("{}: {} ({})", d.code, d.title, d.unit_name)
        };
        let description = format!(
            "Hạn xử lý của {} ({role}).\nCơ quan giao: {}.\nTrạng thái: {}, tiến độ {}%.",
            d.unit_name,
            d.authority_name,
            state_text(&d.state),
            d.progress
        );
        let event = icalendar::Event::new()
            .uid(&format!("task-unit-{}@{host}", d.unit_id))
            .timestamp(now)
            .sequence(u32::try_from(d.moves).unwrap_or(0))
            .starts(day)
            .ends(day.succ_opt().unwrap_or(day))
            .summary(&summary)
            .description(&description)
            .url(&format!("{base}{}/{}", pages::BOARD, d.task_id))
            .add_property("TRANSP", "TRANSPARENT")
            .add_property("CATEGORIES", "Nhiệm vụ")
            .done();
        cal.push(event);
    }
    cal.to_string()
}

/// The signed-in official (the feed lists tasks, an official's matter).
async fn official(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    Ok(page.require_user()?.clone())
}

async fn render(
    ctx: &Ctx,
    page: &Page,
    user: &User,
    url: Option<String>,
    done: Option<&str>,
) -> PageResult<Response> {
    let list = feeds::of_user(&ctx.db, &user.id).await?;
    let active = list.iter().any(|f| f.revoked_at.is_none());
    Ok(page
        .render(
            "tasks_feed.html",
            context! {
                feeds => sv(&list), active => active, done => done,
                // Shown as written (the secret is URL-safe base64).
                url => url.as_deref().map(tinhso_kernel::web::href),
            },
        )?
        .into_response())
}

/// "Lịch hạn nhiệm vụ": whether the person has a feed, when it was made, how to revoke it.
async fn feed_page(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    render(&ctx, &page, &user, None, None).await
}

fn actor(user: &User, ip: &str) -> Actor {
    Actor {
        label: format!("user:{}", user.id),
        ip: ip.to_owned(),
    }
}

/// Makes a new feed (revoking the one in use) and shows its URL, once.
async fn feed_create(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let secret = create(&ctx, &user, &actor(&user, &ip)).await?;
    let base = ctx.config.public_url.trim_end_matches('/');
    let url = format!("{base}{PREFIX}{secret}.ics");
    render(&ctx, &page, &user, Some(url), Some("created")).await
}

/// Revokes one of the person's feeds: calendars reading it get 404 from then on.
async fn feed_revoke(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    if !revoke(&ctx, &user, &actor(&user, &ip), &id).await? {
        return Err(AppError::NotFound.into());
    }
    Ok(Redirect::to(&format!("{PAGE}?done=revoked")).into_response())
}

async fn record(
    ctx: &Ctx,
    tx: &mut tinhso_kernel::db::Tx,
    actor: &Actor,
    action: &'static str,
    kind: &'static EventKind,
    feed_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    let after: Value = json!({ "feed_id": feed_id, "user_id": user_id });
    audit::record(
        &ctx.db,
        tx,
        actor,
        Change {
            action,
            entity_type: "task_feed",
            entity_id: feed_id,
            before: Value::Null,
            after: after.clone(),
        },
    )
    .await?;
    emit(
        ctx,
        tx,
        NewEvent {
            kind,
            aggregate_id: feed_id,
            payload: after,
            actor,
        },
    )
    .await?;
    Ok(())
}

/// Makes `user` a new feed, revoking those in use, in one transaction with the audit rows and
/// events. Returns the secret: it is never stored and cannot be shown again.
pub async fn create(ctx: &Ctx, user: &User, actor: &Actor) -> Result<String, AppError> {
    if !user.is_official() {
        return Err(AppError::Forbidden);
    }
    let secret = random_token(32);
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    for old in feeds::active_in(&mut tx, &user.id).await? {
        if feeds::revoke(&mut tx, &old, &user.id, &now).await? {
            record(
                ctx,
                &mut tx,
                actor,
                "task.feed_revoke",
                &FEED_REVOKED,
                &old,
                &user.id,
            )
            .await?;
        }
    }
    feeds::insert(&mut tx, &id, &user.id, &token_hash(&secret), &now).await?;
    record(
        ctx,
        &mut tx,
        actor,
        "task.feed_create",
        &FEED_CREATED,
        &id,
        &user.id,
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    Ok(secret)
}

/// Revokes `user`'s feed `id`; false when it is not theirs or already revoked.
pub async fn revoke(ctx: &Ctx, user: &User, actor: &Actor, id: &str) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now_text();
    let mut tx = ctx.db.begin().await?;
    if !feeds::revoke(&mut tx, id, &user.id, &now).await? {
        return Ok(false);
    }
    record(
        ctx,
        &mut tx,
        actor,
        "task.feed_revoke",
        &FEED_REVOKED,
        id,
        &user.id,
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::events::committed(ctx);
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinhso_kernel::auth::UserKind;

    fn deadline(unit: &str, due: &str, moves: i64, agency: &str) -> Deadline {
        Deadline {
            unit_id: unit.into(),
            task_id: "t1".into(),
            code: "NV-2026-0001".into(),
            title: "Rà soát, báo cáo; tổng hợp \"kết quả\" thực hiện Đề án chuyển đổi số của tỉnh giai đoạn 2026–2030".into(),
            authority_name: "UBND tỉnh".into(),
            agency_id: agency.into(),
            unit_name: "Sở Tư pháp".into(),
            role: "lead".into(),
            state: "in_progress".into(),
            progress: 40,
            current_due_on: due.into(),
            moves,
        }
    }

    #[test]
    fn all_day_events_with_stable_uids_folded_and_escaped() {
        let user = User {
            id: "u".into(),
            kind: UserKind::Official,
            full_name: "Nguyễn Văn A".into(),
            email: None,
            agency_id: Some("stp".into()),
            roles: vec![Role::Leader],
            totp_enabled: false,
        };
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T03:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let text = calendar(
            "https://tinhso.example.vn:8443/",
            &user,
            &[deadline("u1", "2026-12-31", 2, "stp")],
            now,
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(
            text.contains("\r\nDTSTART;VALUE=DATE:20261231\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nDTEND;VALUE=DATE:20270101\r\n"), "{text}");
        assert!(
            text.contains("\r\nUID:task-unit-u1@tinhso.example.vn:8443\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nSEQUENCE:2\r\n"), "{text}");
        assert!(text.contains("\r\nDTSTAMP:20261201T030000Z\r\n"), "{text}");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "folded: {line}");
        }
        let unfolded = text.replace("\r\n ", "");
        assert!(
            unfolded.contains("SUMMARY:NV-2026-0001: Rà soát\\, báo cáo\\; tổng hợp"),
            "{unfolded}"
        );
        assert!(
            unfolded.contains("URL:https://tinhso.example.vn:8443/office/tasks/t1"),
            "{unfolded}"
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn the_uid_host_comes_from_the_address() {
        assert_eq!(host_of("https://a.example/x"), "a.example");
        assert_eq!(host_of("http://localhost:3000"), "localhost:3000");
        assert_eq!(host_of(""), "tinhso");
    }
}
