//! Citizen feedback (phản ánh, kiến nghị): reports routed by category and area to the
//! responsible agency, answered publicly within working-day deadlines, with an Open311
//! GeoReport v2 API. The life cycle is `tinhso_domain::feedback`; deadlines use the
//! platform's working-day calendar.

pub mod admin;
pub mod datasets;
pub mod deadlines;
pub mod events;
pub mod http;
pub mod index;
pub mod kpi;
pub mod map;
pub mod notices;
pub mod open311;
pub mod photos;
pub mod policy;
pub mod published;
pub mod sample;
pub mod search;
pub mod service;
pub mod stats;
pub mod store;

use serde::{Deserialize, Serialize};
use tinhso_domain::feedback::{Filer, Status, public_reporter_name};
use tinhso_domain::time::LocalDateTime;
use tinhso_kernel::auth::Role;
use tinhso_kernel::auth::policy::PolicyInfo;
use tinhso_kernel::web::menu::{MenuEntry, Shown};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub deadline_days: u32,
}

/// How timelines name a reporter whose name is not public.
pub const UNNAMED_REPORTER: &str = "Người phản ánh (không công khai tên)";

/// A report as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: String,
    pub code: String,
    pub category_code: String,
    pub category_name: String,
    pub title: String,
    pub description: String,
    pub address: String,
    pub admin_unit_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub reporter_id: Option<String>,
    // Never serialized: a page or an API that hands out a whole report by mistake still does
    // not hand out who wrote it (the public name is `public_name`).
    #[serde(skip)]
    pub reporter_name: String,
    #[serde(skip)]
    pub reporter_email: String,
    #[serde(skip)]
    pub reporter_phone: String,
    /// A signed-in reporter asked for their name to be shown (never for anonymous filers).
    pub show_name: bool,
    pub source: String,
    pub agency_id: Option<String>,
    pub agency_name: Option<String>,
    pub status: Status,
    pub received_local: LocalDateTime,
    pub due_local: Option<LocalDateTime>,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub reject_reason: Option<String>,
    pub reopened: bool,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub duplicate_of: Option<String>,
    pub hidden_reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Report {
    /// The name the public may see, if any: a signed-in reporter's who opted in, never an
    /// anonymous filer's (their name was given as a private contact detail).
    pub fn public_name(&self) -> Option<String> {
        let filer = match self.reporter_id {
            Some(_) => Filer::Account {
                opted_in: self.show_name,
            },
            None => Filer::Anonymous,
        };
        public_reporter_name(filer, &self.reporter_name).map(str::to_owned)
    }

    /// The public name, or the words standing for an unnamed reporter (for timelines).
    pub fn public_name_or_anonymous(&self) -> String {
        self.public_name()
            .unwrap_or_else(|| UNNAMED_REPORTER.into())
    }

    /// Whether the report is past its deadline and still waiting for the agency.
    pub fn overdue(&self, now: LocalDateTime) -> bool {
        tinhso_domain::feedback::is_open(self.status) && self.due_local.is_some_and(|due| due < now)
    }
}

/// A routing rule: category code, administrative unit (`None`: anywhere), agency code.
pub type RouteRule = (String, Option<String>, String);

/// The demo categories and routing rules.
pub fn demo() -> (Vec<Category>, Vec<RouteRule>) {
    #[derive(Deserialize)]
    struct Route {
        category: String,
        unit: Option<String>,
        agency: String,
    }
    #[derive(Deserialize)]
    struct Demo {
        categories: Vec<Category>,
        routes: Vec<Route>,
    }
    let demo: Demo = serde_json::from_str(include_str!("../demo/feedback.json"))
        .expect("the demo feedback setup is valid JSON");
    (
        demo.categories,
        demo.routes
            .into_iter()
            .map(|r| (r.category, r.unit, r.agency))
            .collect(),
    )
}

/// The feedback module (phản ánh, kiến nghị), with its Open311 GeoReport v2 endpoint.
// It fills every hook today; `..EMPTY` stays so that a new hook does not touch this manifest.
#[allow(clippy::needless_update)]
pub const MODULE: tinhso_kernel::module::Module = tinhso_kernel::module::Module {
    name: "feedback",
    depends_on: &["directory", "accounts"],
    assets: tinhso_kernel::assets!(),
    demo: Some(seed_demo),
    search: &[&search::REPORTS],
    kpis: &[&kpi::REPORTS],
    datasets: &[&datasets::MONTHLY_STATISTICS],
    policies: &[
        PolicyInfo::of::<policy::FeedbackReportPolicy>(),
        PolicyInfo::of::<policy::FeedbackFilingPolicy>(),
        PolicyInfo::of::<policy::FeedbackRoutingPolicy>(),
        PolicyInfo::of::<policy::FeedbackStatisticsPolicy>(),
    ],
    menu: &[
        MenuEntry::main("nav_feedback", "/feedback", 40, Shown::Always),
        MenuEntry::office(
            "feedback_admin",
            "office_feedback_admin_text",
            "/admin/feedback",
            70,
            Shown::AnyRole(&[Role::SystemAdmin]),
        ),
        MenuEntry::office(
            "feedback_queue",
            "office_feedback_queue_text",
            "/office/feedback",
            100,
            Shown::Official,
        ),
    ],
    routes: || {
        tinhso_kernel::module::Routes::new("feedback")
            .merge(http::routes())
            .merge(open311::routes())
            .merge(stats::routes())
            .merge(admin::routes())
    },
    backfills: &[&index::BACKFILL],
    tables: &[
        "feedback_categories",
        "feedback_routes",
        "feedback_reports",
        "feedback_files",
        "feedback_events",
        "feedback_followers",
    ],
    migrations: tinhso_kernel::migrations!(),
    topics: &[&notices::UPDATES, &notices::DEADLINES],
    subscriptions: &[&notices::NOTIFY_FOLLOWERS],
    sweeps: &[&DEADLINE_SWEEP],
    // Open311 GeoReport v2 clients post with an `api_key`, never a session.
    protocol_paths: &["/open311/"],
    ..tinhso_kernel::module::Module::EMPTY
};

/// Reminders before a report's deadline and escalation after it, every minute.
const DEADLINE_SWEEP: tinhso_kernel::module::Sweep = tinhso_kernel::module::Sweep {
    name: "feedback.deadlines",
    every: |_| Some(std::time::Duration::from_secs(60)),
    at_start: true,
    run: |ctx| {
        Box::pin(async move {
            deadlines::sweep(ctx, tinhso_kernel::time::local_now()).await?;
            Ok(())
        })
    },
};

/// The demo categories and the agencies they are routed to (`Module::demo`).
fn seed_demo(ctx: &tinhso_kernel::Ctx) -> tinhso_kernel::module::BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let (categories, routes) = demo();
        let mut tx = ctx.db.begin().await?;
        for (i, c) in categories.iter().enumerate() {
            store::save_category(&mut tx, c, i as i64)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        for (category, unit, agency) in &routes {
            let code = agency
                .parse()
                .map_err(|e| anyhow::anyhow!("{agency}: {e}"))?;
            let agency = tinhso_directory::store::by_code_in(&mut tx, &code)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("demo route to unknown agency {agency}"))?;
            store::save_route(&mut tx, category, unit.as_deref(), &agency.id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        tx.commit().await?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32, minute: u32) -> LocalDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .unwrap()
            .and_hms_opt(hour, minute, 0)
            .unwrap()
            .into()
    }

    fn report(status: Status, due: Option<LocalDateTime>) -> Report {
        let text = String::new;
        Report {
            id: text(),
            code: "PA-1".into(),
            category_code: text(),
            category_name: text(),
            title: text(),
            description: text(),
            address: text(),
            admin_unit_code: None,
            lat: None,
            lon: None,
            reporter_id: None,
            reporter_name: text(),
            reporter_email: text(),
            reporter_phone: text(),
            show_name: false,
            source: text(),
            agency_id: None,
            agency_name: None,
            status,
            received_local: at(2, 8, 0),
            due_local: due,
            answer: None,
            answered_at: None,
            reject_reason: None,
            reopened: false,
            rating: None,
            rating_comment: None,
            duplicate_of: None,
            hidden_reason: None,
            created_at: text(),
            updated_at: text(),
        }
    }

    #[test]
    fn a_report_is_overdue_once_its_due_moment_has_passed_while_the_agency_holds_it() {
        let due = Some(at(9, 16, 30));
        let r = report(Status::InProgress, due);
        assert!(!r.overdue(at(9, 16, 29)));
        assert!(
            !r.overdue(at(9, 16, 30)),
            "due at 16:30 is still in time at 16:30"
        );
        assert!(r.overdue(at(9, 16, 31)));
        assert!(r.overdue(at(10, 8, 0)), "the next morning");
        assert!(
            !report(Status::Answered, due).overdue(at(20, 8, 0)),
            "answered"
        );
        assert!(
            !report(Status::Received, None).overdue(at(20, 8, 0)),
            "no deadline yet"
        );
    }

    #[test]
    fn the_deadline_is_stored_sent_and_shown_as_before() {
        let r = report(Status::Assigned, Some(at(9, 16, 30)));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["due_local"], "2026-11-09T16:30:00");
        assert_eq!(json["received_local"], "2026-11-02T08:00:00");
        let view = http::public_view(&r, at(9, 8, 0));
        assert_eq!(
            view.get_attr("due").unwrap().to_string(),
            "2026-11-09T16:30:00"
        );
        assert!(!view.get_attr("overdue").unwrap().is_true());
    }
}
