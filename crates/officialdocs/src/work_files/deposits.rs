//! The deposit notice (Decree 30/2020, Appendix VI, III.5.b): 30 days before a closed file is
//! due at the agency archive, its agency's document clerks are told, once per file. Run daily
//! by every node's job runner (`documents.work_file_deposits`); each file's notice is claimed
//! by a conditional update, so nodes sweeping at once still send it once, and the inbox's
//! dedupe key keeps a retried sweep from giving anyone a second row.

use super::store;
use chrono::NaiveDate;
use serde_json::json;
use tinhso_domain::official_doc::work_file::{self as rules, DEPOSIT_NOTICE_DAYS, DepositStatus};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::notify::{self, Audience, Notice, Recipient, Topic};

/// A file my agency keeps is due for deposit at the archive. Clerks cannot turn it off:
/// depositing in time is their duty.
pub const DEPOSITS: Topic = Topic {
    key: "documents.work_file_deposits",
    label_key: "topic_documents_work_file_deposits",
    email_default: true,
    inbox_default: true,
    mandatory: true,
    audience: Audience::Officials,
};

fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Sends the notices due on `today` (Vietnam date; a parameter so tests can move the clock).
/// Returns how many files were noticed.
pub async fn sweep(state: &Ctx, today: NaiveDate) -> Result<usize, AppError> {
    let horizon = today
        .checked_add_days(chrono::Days::new(DEPOSIT_NOTICE_DAYS))
        .unwrap_or(today);
    let mut sent = 0;
    for f in store::deposit_candidates(&state.db, &horizon.to_string()).await? {
        let Some(due) = f
            .deposit_due
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        let (Ok(file_state), Ok(retention)) = (f.state.parse(), f.retention.parse()) else {
            continue;
        };
        // Overdue files are told too: the notice was never sent.
        if !matches!(
            rules::deposit_status(file_state, retention, due, None, today),
            DepositStatus::NoticeDue | DepositStatus::Overdue
        ) {
            continue;
        }
        let now = tinhso_kernel::time::now_text();
        let mut tx = state.db.begin().await?;
        if !store::claim_deposit_notice(&mut tx, &f.id, &now).await? {
            continue; // another node sent it
        }
        let to: Vec<Recipient> = store::clerks(&mut tx, &f.agency_id)
            .await?
            .into_iter()
            .map(|(id, email)| Recipient::user(&id, email))
            .collect();
        let body = format!(
            "Hồ sơ {} “{}” ({}) đến hạn nộp lưu vào Lưu trữ cơ quan ngày {}. Hãy chuẩn bị hồ sơ và mục lục để giao nộp.",
            f.code,
            f.title,
            f.retention,
            vn_date(due)
        );
        let link = format!("/api/v1/work-files/{}", f.id);
        let key = format!("work_file_deposit:{}", f.id);
        let notice = Notice {
            topic: &DEPOSITS,
            subject: format!("Hồ sơ {} sắp đến hạn nộp lưu", f.code),
            email_body: format!(
                "{body}\n\n{}{link}\n",
                state.config.public_url.trim_end_matches('/')
            ),
            body,
            link: Some(link),
            dedupe_key: &key,
        };
        notify::send(state, &mut tx, &to, &notice).await?;
        audit::record(
            &state.db,
            &mut tx,
            &Actor::system(),
            Change {
                action: "work_file.deposit_notice",
                entity_type: "work_file",
                entity_id: &f.id,
                before: json!(null),
                after: json!({ "deposit_due": due.to_string(), "clerks": to.len() }),
            },
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok(sent)
}
