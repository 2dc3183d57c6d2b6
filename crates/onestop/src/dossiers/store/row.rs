//! The dossier row as stored (`store::SELECT`), read through `sqlx::FromRow` and turned into
//! a `Dossier` in one place.

use crate::dossiers::{Dossier, LocalDateTime};
use tinhso_domain::calendar::WorkDuration;
use tinhso_domain::dossier::{DossierCode, Outcome};
use tinhso_kernel::error::AppError;

/// A dossier row as stored, with its agency's code and name and its assignee's name (the
/// columns of `SELECT`), before its text columns are read as what they hold.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct DossierRow {
    id: String,
    code: Option<String>,
    procedure_code: String,
    procedure_name: String,
    agency_id: String,
    agency_code: String,
    agency_name: String,
    applicant_id: Option<String>,
    applicant_name: String,
    applicant_email: String,
    applicant_phone: String,
    channel: String,
    state: String,
    step: i64,
    steps: String,
    processing_half_days: i64,
    cutoff: Option<String>,
    answers: String,
    idempotency_key: Option<String>,
    clock_start: Option<String>,
    due_local: Option<String>,
    submitted_at: Option<String>,
    accepted_at: Option<String>,
    finished_at: Option<String>,
    finished_local: Option<String>,
    supplement_requests: i64,
    outcome: Option<String>,
    apologised: i64,
    fee_due: i64,
    fee_paid: i64,
    group_id: Option<String>,
    rating: Option<i64>,
    rating_comment: Option<String>,
    rated_at: Option<String>,
    assignee_id: Option<String>,
    assignee_name: Option<String>,
    created_at: String,
    updated_at: String,
}

impl DossierRow {
    /// The dossier this row stores; an error names the column whose text is not what it
    /// should hold.
    pub(crate) fn into_dossier(self) -> Result<Dossier, AppError> {
        let id = self.id;
        let bad = |column: &str, e: &dyn std::fmt::Display| {
            AppError::Internal(anyhow::anyhow!(
                "dossier {id}: column {column} holds a bad value: {e}"
            ))
        };
        let local = |column: &str, text: Option<String>| {
            text.map(|t| {
                LocalDateTime::parse(&t).ok_or_else(|| {
                    bad(
                        column,
                        &format!("“{t}” is not a local time like 2026-11-24T16:30:00"),
                    )
                })
            })
            .transpose()
        };
        let number =
            |column: &str, n: i64| u32::try_from(n).map_err(|e| bad(column, &format!("{n}: {e}")));
        Ok(Dossier {
            channel: self.channel.parse().map_err(|e| bad("channel", &e))?,
            state: self.state.parse().map_err(|e| bad("state", &e))?,
            step: u16::try_from(self.step)
                .map_err(|e| bad("step", &format!("{}: {e}", self.step)))?,
            steps: serde_json::from_str(&self.steps).map_err(|e| bad("steps", &e))?,
            processing: WorkDuration::half_days(number(
                "processing_half_days",
                self.processing_half_days,
            )?),
            answers: serde_json::from_str(&self.answers).map_err(|e| bad("answers", &e))?,
            clock_start: local("clock_start", self.clock_start)?,
            due: local("due_local", self.due_local)?,
            finished_local: local("finished_local", self.finished_local)?,
            supplement_requests: number("supplement_requests", self.supplement_requests)?,
            outcome: self
                .outcome
                .as_deref()
                .map(str::parse::<Outcome>)
                .transpose()
                .map_err(|e| bad("outcome", &e))?,
            apologised: self.apologised != 0,
            code: self
                .code
                .map(|c| c.parse::<DossierCode>())
                .transpose()
                .map_err(|e| bad("code", &e))?,
            procedure_code: self.procedure_code,
            procedure_name: self.procedure_name,
            agency_id: self.agency_id,
            agency_code: self.agency_code,
            agency_name: self.agency_name,
            applicant_id: self.applicant_id,
            applicant_name: self.applicant_name,
            applicant_email: self.applicant_email,
            applicant_phone: self.applicant_phone,
            cutoff: self.cutoff,
            idempotency_key: self.idempotency_key,
            submitted_at: self.submitted_at,
            accepted_at: self.accepted_at,
            finished_at: self.finished_at,
            fee_due: self.fee_due,
            fee_paid: self.fee_paid,
            group_id: self.group_id,
            rating: self.rating,
            rating_comment: self.rating_comment,
            rated_at: self.rated_at,
            assignee_id: self.assignee_id,
            assignee_name: self.assignee_name,
            created_at: self.created_at,
            updated_at: self.updated_at,
            id,
        })
    }
}

impl TryFrom<DossierRow> for Dossier {
    type Error = AppError;

    fn try_from(row: DossierRow) -> Result<Dossier, AppError> {
        row.into_dossier()
    }
}

#[cfg(test)]
mod tests {
    use super::{AppError, DossierRow};

    fn row() -> DossierRow {
        let text = |s: &str| s.to_owned();
        DossierRow {
            id: text("d1"),
            code: Some(text("000.00.60.H56-261124-0001")),
            procedure_code: text("p"),
            procedure_name: text("Thủ tục"),
            agency_id: text("a1"),
            agency_code: text("000.00.60.H56"),
            agency_name: text("Cơ quan"),
            applicant_id: None,
            applicant_name: text("Nguyễn Văn An"),
            applicant_email: String::new(),
            applicant_phone: String::new(),
            channel: text("online"),
            state: text("in_progress"),
            step: 1,
            steps: text("[]"),
            processing_half_days: 10,
            cutoff: None,
            answers: text("{}"),
            idempotency_key: None,
            clock_start: Some(text("2026-11-24T08:00:00")),
            due_local: Some(text("2026-11-28T17:00:00")),
            submitted_at: None,
            accepted_at: None,
            finished_at: None,
            finished_local: None,
            supplement_requests: 0,
            outcome: None,
            apologised: 0,
            fee_due: 0,
            fee_paid: 0,
            group_id: None,
            rating: None,
            rating_comment: None,
            rated_at: None,
            assignee_id: None,
            assignee_name: None,
            created_at: text("2026-11-24T01:00:00.000Z"),
            updated_at: text("2026-11-24T01:00:00.000Z"),
        }
    }

    #[test]
    fn a_stored_row_reads_as_a_dossier_and_bad_text_names_its_column() {
        let d = row().into_dossier().unwrap();
        assert_eq!(d.code.unwrap().to_string(), "000.00.60.H56-261124-0001");
        assert_eq!(d.due.unwrap().to_text(), "2026-11-28T17:00:00");
        assert_eq!(d.clock_start.unwrap().to_text(), "2026-11-24T08:00:00");
        assert_eq!(d.processing.as_half_days(), 10);
        let bad = |mut r: DossierRow, column: &str, edit: fn(&mut DossierRow)| {
            edit(&mut r);
            let Err(AppError::Internal(e)) = r.into_dossier() else {
                panic!("{column}: read without an internal error");
            };
            let e = e.to_string();
            assert!(e.contains(&format!("column {column}")), "{column}: {e}");
        };
        bad(row(), "due_local", |r| {
            r.due_local = Some("2026-11-28 17:00".into())
        });
        bad(row(), "finished_local", |r| {
            r.finished_local = Some("tomorrow".into())
        });
        bad(row(), "code", |r| r.code = Some("H56-1".into()));
        bad(row(), "state", |r| r.state = "lost".into());
        bad(row(), "steps", |r| r.steps = "{".into());
        bad(row(), "step", |r| r.step = -1);
    }
}
