//! Scheduled reports (docs/operations-design.md §6): a schedule is data (a scope, a kind of
//! report, who receives it), set and ended by a leader holding the scope, both audited. The
//! sweep [`SWEEP`] runs on every node each hour: for each live schedule, the report whose
//! window closed last ([`ReportPeriod::last_closed`]: made the day after the window closes, or
//! at the next run after), once per (schedule, window) across nodes — the unique key of
//! `ops_report_runs` decides who recorded it; a node that lost the race drops its files. The
//! three files are kept in the object store for download (`/ops/reports/runs/{id}/{format}`,
//! to those holding the scope), and the recipients get a notice (`ops.reports`: an inbox row
//! and an email with the links) in the transaction that records the report, so once.

use super::rules::{Kind, ReportPeriod};
use super::{Format, build, file_name, write};
use crate::policy::{self, OpsAction};
use crate::store::report_schedules::{self as store, Run, Schedule};
use axum::body::Bytes;
use chrono::NaiveDate;
use serde::Serialize;
use tinhso_domain::ops::scope::Scope;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{Principal, User};
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A scheduled periodic report is ready.
pub const TOPIC: Topic = Topic {
    key: "ops.reports",
    label_key: "topic_ops_reports",
    email_default: true,
    inbox_default: true,
    mandatory: false,
    audience: Audience::Officials,
};

/// Addresses a schedule may send to, at most.
pub const MAX_RECIPIENTS: usize = 20;

/// The formats a scheduled report is kept in, in the order the email lists them.
const FORMATS: [Format; 3] = [Format::Docx, Format::Pdf, Format::Xlsx];

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Validation(vec![FieldError::new(field, message)])
}

/// Reads the recipients, one address a line (or separated by commas or spaces).
pub fn recipients(text: &str) -> Result<Vec<String>, AppError> {
    let list: Vec<String> = text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_lowercase)
        .collect();
    if list.is_empty() {
        return Err(invalid(
            "recipients",
            "Cần ít nhất một địa chỉ thư điện tử nhận báo cáo.",
        ));
    }
    if list.len() > MAX_RECIPIENTS {
        return Err(invalid(
            "recipients",
            &format!("Tối đa {MAX_RECIPIENTS} địa chỉ nhận báo cáo."),
        ));
    }
    for a in &list {
        let ok = a.len() <= 254
            && a.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
            && a.matches('@').count() == 1;
        if !ok {
            return Err(invalid(
                "recipients",
                &format!("Địa chỉ thư điện tử không hợp lệ: {a}."),
            ));
        }
    }
    let mut unique = list;
    unique.sort();
    unique.dedup();
    Ok(unique)
}

/// A schedule as shown and answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    pub id: String,
    pub scope: String,
    /// `month`, `quarter`, `6m`, `9m` or `12m`.
    pub kind: String,
    pub recipients: Vec<String>,
    pub created_at: String,
}

impl From<Schedule> for ScheduleView {
    fn from(s: Schedule) -> ScheduleView {
        ScheduleView {
            id: s.id,
            scope: s.scope,
            kind: s.kind,
            recipients: s.recipients.lines().map(str::to_owned).collect(),
            created_at: s.created_at,
        }
    }
}

/// Sets a schedule: a leader holding the scope (404 for a scope not held, 403 for a reader
/// who may not declare for it).
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    user: &User,
    actor: &Actor,
    scope: &Scope,
    kind: &str,
    recipients_text: &str,
) -> Result<ScheduleView, AppError> {
    policy::checked_for(ctx, principal, scope, OpsAction::Declare).await?;
    let kind = Kind::parse(kind).ok_or_else(|| {
        invalid(
            "kind",
            "Loại báo cáo là tháng, quý, 6 tháng, 9 tháng hoặc năm.",
        )
    })?;
    let list = recipients(recipients_text)?;
    let s = Schedule {
        id: uuid::Uuid::now_v7().to_string(),
        scope: scope.key(),
        kind: kind.as_str().to_owned(),
        recipients: list.join("\n"),
        created_by: user.id.clone(),
        created_at: tinhso_kernel::time::now_text(),
        ended_at: None,
    };
    let mut tx = ctx.db.begin().await?;
    // One live schedule per scope and kind: each makes the whole report every window, so a
    // scope's schedules stay at five however often the form is sent.
    if store::live_exists(&mut tx, &s.scope, &s.kind).await? {
        return Err(invalid(
            "kind",
            "Phạm vi này đã có lịch gửi báo cáo loại này. Hãy kết thúc lịch đó trước khi đặt lịch mới.",
        ));
    }
    store::insert(&mut tx, &s).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "ops.report_schedule",
            entity_type: "ops_report_schedule",
            entity_id: &s.id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"scope": s.scope, "kind": s.kind, "recipients": list}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(s.into())
}

/// Ends a schedule (a 404 when it does not exist, has ended, or its scope is not the caller's
/// to schedule).
pub async fn end(
    ctx: &Ctx,
    principal: &Principal,
    user: &User,
    actor: &Actor,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    let s = store::by_id(&mut tx, id)
        .await?
        .filter(|s| s.ended_at.is_none())
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let scope = Scope::parse(&s.scope).ok_or(AppError::NotFound)?;
    policy::checked_for(ctx, principal, &scope, OpsAction::Declare).await?;
    let mut tx = ctx.db.begin().await?;
    if !store::end(&mut tx, id, &user.id, &tinhso_kernel::time::now_text()).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "ops.report_schedule_end",
            entity_type: "ops_report_schedule",
            entity_id: id,
            before: serde_json::json!({"scope": s.scope, "kind": s.kind}),
            after: serde_json::json!({"ended": true}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes what the live schedules owe on `today`; returns how many reports were recorded here.
pub async fn run_due(ctx: &Ctx, today: NaiveDate) -> Result<usize, AppError> {
    let mut made = 0;
    for s in store::live(&ctx.db).await? {
        let (Some(kind), Some(scope)) = (Kind::parse(&s.kind), Scope::parse(&s.scope)) else {
            continue;
        };
        let Some(period) = ReportPeriod::last_closed(kind, today) else {
            continue;
        };
        if store::made(&ctx.db, &s.id, &period.slug()).await? {
            continue;
        }
        if !creator_may_still_schedule(ctx, &s, &scope).await? {
            end_orphaned(ctx, &s).await?;
            continue;
        }
        match make(ctx, &s, &scope, period, today).await {
            Ok(true) => made += 1,
            Ok(false) => {}
            // One schedule failing (an agency since removed) does not hold up the others.
            Err(e) => tracing::warn!(schedule = %s.id, error = %e, "scheduled report not made"),
        }
    }
    Ok(made)
}

/// Whether the leader who set `s` still may: their account enabled, still a leader whose post
/// holds the scope. A schedule is their decision and stops with their authority over it.
async fn creator_may_still_schedule(
    ctx: &Ctx,
    s: &Schedule,
    scope: &Scope,
) -> Result<bool, AppError> {
    let Some(user) =
        tinhso_kernel::auth::session::load_enabled_user(&ctx.db, &s.created_by).await?
    else {
        return Ok(false);
    };
    let principal = Principal::User(user);
    match policy::checked_for(ctx, &principal, scope, OpsAction::Declare).await {
        Ok(()) => Ok(true),
        Err(AppError::NotFound | AppError::Forbidden) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Ends a schedule whose creator no longer holds its scope, audited as the platform's doing;
/// a leader of the scope may set it again.
async fn end_orphaned(ctx: &Ctx, s: &Schedule) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    let now = tinhso_kernel::time::now_text();
    if !store::end(&mut tx, &s.id, tinhso_kernel::auth::PLATFORM_ACCOUNT, &now).await? {
        return Ok(());
    }
    audit::record(
        &ctx.db,
        &mut tx,
        &Actor::system(),
        Change {
            action: "ops.report_schedule_end",
            entity_type: "ops_report_schedule",
            entity_id: &s.id,
            before: serde_json::json!({"scope": s.scope, "kind": s.kind}),
            after: serde_json::json!({"ended": true, "reason": "creator_no_longer_leader"}),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(schedule = %s.id, "report schedule ended: its creator no longer holds the scope");
    Ok(())
}

/// Makes one schedule's report; false when another node recorded it first.
async fn make(
    ctx: &Ctx,
    s: &Schedule,
    scope: &Scope,
    period: ReportPeriod,
    today: NaiveDate,
) -> Result<bool, AppError> {
    let report = build(ctx, scope, period, today).await?;
    let id = uuid::Uuid::now_v7().to_string();
    let mut keys = Vec::new();
    for f in FORMATS {
        let bytes = write(&report, f)?;
        let key = format!("ops/reports/{id}.{}", f.ext());
        tinhso_kernel::storage::put(ctx.storage.as_ref(), &key, Bytes::from(bytes)).await?;
        keys.push(key);
    }
    let run = Run {
        id: id.clone(),
        schedule_id: s.id.clone(),
        period: period.slug(),
        scope: s.scope.clone(),
        title: format!("{} — {}", report.title, report.scope_name),
        made_at: tinhso_kernel::time::now_text(),
        docx_key: keys[0].clone(),
        pdf_key: keys[1].clone(),
        xlsx_key: keys[2].clone(),
    };
    let mut tx = ctx.db.begin().await?;
    if !store::claim(&mut tx, &run).await? {
        tx.rollback().await?;
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        tinhso_kernel::storage::discard(ctx.storage.as_ref(), &refs).await;
        return Ok(false);
    }
    let base = ctx.config.public_url.trim_end_matches('/');
    let links: Vec<String> = FORMATS
        .iter()
        .map(|f| {
            format!(
                "- {}: {base}/ops/reports/runs/{id}/{}",
                file_name(&report, *f),
                f.ext()
            )
        })
        .collect();
    let subject = format!("Báo cáo định kỳ {}", run.title);
    let email_body = format!(
        "Kính gửi anh/chị,\n\nBáo cáo định kỳ {} (số liệu từ ngày {} đến ngày {}) đã được lập. \
         Tải báo cáo (đăng nhập bằng tài khoản có quyền xem phạm vi này):\n{}\n\nTỉnh Số",
        run.title,
        report.from,
        report.to,
        links.join("\n")
    );
    let to: Vec<Recipient> = s.recipients.lines().map(Recipient::address).collect();
    let dedupe = format!("ops.reports:{}:{}", s.id, run.period);
    notify::send(
        ctx,
        &mut tx,
        &to,
        &Notice {
            topic: &TOPIC,
            subject,
            body: format!("Báo cáo định kỳ {} đã được lập.", run.title),
            email_body,
            link: Some(format!("/ops/reports/runs/{id}/pdf")),
            dedupe_key: &dedupe,
        },
    )
    .await?;
    audit::record(
        &ctx.db,
        &mut tx,
        &Actor::system(),
        Change {
            action: "ops.report_made",
            entity_type: "ops_report_run",
            entity_id: &id,
            before: serde_json::Value::Null,
            after: serde_json::json!({"schedule": s.id, "period": run.period}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The sweep making scheduled reports, hourly on every node.
pub const SWEEP: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "ops.reports",
    every: |_| Some(std::time::Duration::from_secs(3600)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            run_due(ctx, tinhso_kernel::time::local_now().date()).await?;
            Ok(())
        })
    },
};

/// A stored report's file, for a viewer holding its scope (404 otherwise).
pub async fn stored_file(
    ctx: &Ctx,
    principal: &Principal,
    id: &str,
    format: Format,
) -> Result<(String, Vec<u8>), AppError> {
    let run = store::run(&ctx.db, id).await?.ok_or(AppError::NotFound)?;
    let scope = Scope::parse(&run.scope).ok_or(AppError::NotFound)?;
    policy::checked(ctx, principal, &scope).await?;
    let key = match format {
        Format::Docx => &run.docx_key,
        Format::Pdf => &run.pdf_key,
        Format::Xlsx => &run.xlsx_key,
    };
    let bytes = tinhso_kernel::storage::get(ctx.storage.as_ref(), key)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = format!(
        "bao-cao-{}-{}.{}",
        run.period,
        run.scope
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>(),
        format.ext()
    );
    Ok((name, bytes.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_read_and_checked() {
        let ok = [
            ("a@x.vn", vec!["a@x.vn"]),
            ("B@X.vn\nc@y.gov.vn", vec!["b@x.vn", "c@y.gov.vn"]),
            ("a@x.vn, a@x.vn; d@z.vn", vec!["a@x.vn", "d@z.vn"]),
        ];
        for (text, want) in ok {
            assert_eq!(recipients(text).unwrap(), want, "{text}");
        }
        for bad in ["", "  \n", "a", "a@b", "@x.vn", "a@@x.vn", "a@.vn", "a@x."] {
            assert!(recipients(bad).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("u{i}@x.vn")).collect();
        assert!(recipients(&many.join("\n")).is_err());
    }
}
