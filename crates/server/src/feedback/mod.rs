//! Citizen feedback (phản ánh, kiến nghị): reports routed by category and area to the
//! responsible agency, answered publicly within working-day deadlines, with an Open311
//! GeoReport v2 API. The life cycle is `tinhso_domain::feedback`; deadlines use the
//! platform's working-day calendar.

pub mod admin;
pub mod deadlines;
pub mod events;
pub mod http;
pub mod open311;
pub mod photos;
pub mod service;
pub mod stats;
pub mod store;

use serde::{Deserialize, Serialize};
use tinhso_domain::feedback::{Filer, Status, public_reporter_name};

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
    pub received_local: String,
    pub due_local: Option<String>,
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
    pub fn overdue(&self, now_local: &str) -> bool {
        tinhso_domain::feedback::is_open(self.status)
            && self.due_local.as_deref().is_some_and(|due| due < now_local)
    }
}

pub fn status_text(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn parse_status(text: &str) -> Option<Status> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
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
    let demo: Demo = serde_json::from_str(include_str!("../../demo/feedback.json"))
        .expect("the demo feedback setup is valid JSON");
    (
        demo.categories,
        demo.routes
            .into_iter()
            .map(|r| (r.category, r.unit, r.agency))
            .collect(),
    )
}
