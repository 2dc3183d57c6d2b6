//! Feedback as an open dataset: how many reports were received each month, per agency
//! handling them, category and status. Counts only: no report's title, text, place or photo
//! and nothing of its reporter, so nobody is singled out (a count of 1 says that one report of
//! a category reached an agency that month, which the public report list already shows).

use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{BoxFut, Column, Dataset, Value};

pub const MONTHLY_STATISTICS: Dataset = Dataset {
    name: "feedback-statistics-monthly",
    title: "dataset_feedback_monthly",
    description: "dataset_feedback_monthly_text",
    columns: &[
        Column::text("month"),
        Column::text("agency_code"),
        Column::text("agency_name"),
        Column::text("category_code"),
        Column::text("category_name"),
        Column::text("status"),
        Column::integer("reports"),
    ],
    rows,
    refresh_on: &[
        // Its rows carry the agencies' names.
        "agency.updated",
        "feedback.submitted",
        "feedback.assigned",
        "feedback.accepted",
        "feedback.answered",
        "feedback.rejected",
        "feedback.marked_duplicate",
        "feedback.reopened",
        "feedback.hidden",
    ],
};

fn rows(ctx: &Ctx) -> BoxFut<'_, Result<Vec<Vec<Value>>, AppError>> {
    Box::pin(async move {
        // Closed months from the node's kept copies, unless a report of theirs changed
        // (docs/opendata-design.md §10).
        Ok(crate::published::monthly_counts(ctx)
            .await?
            .into_iter()
            .map(|c| {
                vec![
                    c.month.into(),
                    c.agency_code.into(),
                    c.agency_name.into(),
                    c.category_code.into(),
                    c.category_name.into(),
                    c.status.into(),
                    c.reports.into(),
                ]
            })
            .collect())
    })
}
