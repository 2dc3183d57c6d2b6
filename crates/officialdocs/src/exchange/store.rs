//! The exchange's SQL: nonces, received messages, and the outside recipients' delivery.

use sqlx::Row;
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

/// Whether `nonce` from `peer` was seen within the keep window (rows older are pruned).
pub async fn nonce_seen(db: &Db, peer: &str, nonce: &str) -> Result<bool, AppError> {
    let row = sqlx::query("SELECT 1 AS seen FROM exchange_nonces WHERE peer = $1 AND nonce = $2")
        .bind(peer)
        .bind(nonce)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.is_some())
}

/// Records `nonce` (false when another request recorded it first) and prunes rows older than
/// `cutoff`.
pub async fn remember_nonce(
    db: &Db,
    peer: &str,
    nonce: &str,
    now: &str,
    cutoff: &str,
) -> Result<bool, AppError> {
    sqlx::query("DELETE FROM exchange_nonces WHERE seen_at < $1")
        .bind(cutoff)
        .execute(&db.pool)
        .await?;
    let done = sqlx::query(
        "INSERT INTO exchange_nonces (peer, nonce, seen_at) VALUES ($1, $2, $3)
         ON CONFLICT (peer, nonce) DO NOTHING",
    )
    .bind(peer)
    .bind(nonce)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The answer given to the message with this dedupe key, if it was accepted before.
pub async fn answer_for(tx: &mut Conn, key: &str) -> Result<Option<String>, AppError> {
    Ok(
        sqlx::query("SELECT answer FROM exchange_messages WHERE dedupe_key = $1")
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get("answer"))
            .transpose()?,
    )
}

/// A message accepted now.
pub struct Received<'a> {
    pub dedupe_key: &'a str,
    pub peer: &'a str,
    pub kind: &'a str,
    pub from_organ_id: &'a str,
    pub document_id: &'a str,
    pub answer: &'a str,
    pub now: &'a str,
}

/// Records a message; false when its dedupe key is already there (a concurrent duplicate).
pub async fn insert_message(tx: &mut Conn, m: &Received<'_>) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO exchange_messages (dedupe_key, peer, kind, from_organ_id, document_id, answer, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(m.dedupe_key)
    .bind(m.peer)
    .bind(m.kind)
    .bind(m.from_organ_id)
    .bind(m.document_id)
    .bind(m.answer)
    .bind(m.now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An outside recipient with its agency code (one a peer speaks for).
pub async fn insert_outside_recipient(
    tx: &mut Conn,
    document_id: &str,
    position: i64,
    name: &str,
    organ_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO document_recipients (id, document_id, position, agency_id, name, organ_id)
         VALUES ($1, $2, $3, NULL, $4, $5)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(document_id)
    .bind(position)
    .bind(name)
    .bind(organ_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The outside recipients of `document_id` that have an agency code: (recipient id, code).
pub async fn coded_outside_recipients(
    tx: &mut Conn,
    document_id: &str,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, organ_id FROM document_recipients
         WHERE document_id = $1 AND agency_id IS NULL AND organ_id IS NOT NULL ORDER BY position",
    )
    .bind(document_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// Marks a recipient queued for the exchange with the package's DocumentId.
pub async fn queue_delivery(
    tx: &mut Conn,
    recipient_id: &str,
    exchange_document_id: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE document_recipients SET exchange_document_id = $2, exchange_state = 'queued',
            exchange_detail = NULL, exchange_at = $3, exchange_queued_at = $3 WHERE id = $1",
    )
    .bind(recipient_id)
    .bind(exchange_document_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What the delivery job needs of a recipient.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    pub recipient_id: String,
    pub document_id: String,
    pub organ_id: String,
    pub name: String,
    pub exchange_document_id: Option<String>,
    pub exchange_state: Option<String>,
}

pub async fn outgoing(db: &Db, recipient_id: &str) -> Result<Option<Outgoing>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id AS recipient_id, document_id, organ_id, name, exchange_document_id, exchange_state
         FROM document_recipients WHERE id = $1 AND organ_id IS NOT NULL",
    )
    .bind(recipient_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// Records the peer a package is about to be posted to (before the post: its statuses may
/// arrive before the post's answer is recorded).
pub async fn set_peer(db: &Db, recipient_id: &str, peer: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE document_recipients SET exchange_peer = $2 WHERE id = $1")
        .bind(recipient_id)
        .bind(peer)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether `peer` delivered us the package with this DocumentId.
pub async fn package_from_peer(
    tx: &mut Conn,
    peer: &str,
    document_id: &str,
) -> Result<bool, AppError> {
    Ok(sqlx::query(
        "SELECT 1 AS found FROM exchange_messages
         WHERE document_id = $1 AND peer = $2 AND kind = 'package' LIMIT 1",
    )
    .bind(document_id)
    .bind(peer)
    .fetch_optional(&mut *tx)
    .await?
    .is_some())
}

/// Records a delivery's outcome (`sent` or `failed`, with why), unless a recall cancelled the
/// delivery while the package was on its way (`cancelled`): whether it did.
pub async fn set_delivery(
    tx: &mut Conn,
    recipient_id: &str,
    state: &str,
    detail: Option<&str>,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE document_recipients SET exchange_state = $2, exchange_detail = $3, exchange_at = $4
         WHERE id = $1 AND exchange_state <> 'cancelled'",
    )
    .bind(recipient_id)
    .bind(state)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A status from the recipient `organ_id` about the package `exchange_document_id`: the
/// recipient rows it updates, with their outgoing document.
pub async fn apply_status(
    tx: &mut Conn,
    exchange_document_id: &str,
    organ_id: &str,
    peer: &str,
    code: &str,
    description: Option<&str>,
    now: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, document_id, exchange_status FROM document_recipients
         WHERE exchange_document_id = $1 AND organ_id = $2 AND COALESCE(exchange_peer, $3) = $3",
    )
    .bind(exchange_document_id)
    .bind(organ_id)
    .bind(peer)
    .fetch_all(&mut *tx)
    .await?;
    for (id, _, read) in &rows {
        // Statuses may arrive out of order and side by side (01 and 03 of one package): never
        // step back. The update holds only on the status it was judged against; when another
        // message changed the row since, it is read again and judged again, so the later code
        // wins whichever commits last.
        let mut current = read.clone();
        while super::status_advances(current.as_deref(), code) {
            let updated = sqlx::query(
                "UPDATE document_recipients SET exchange_status = $2, exchange_status_detail = $3,
                    processing_at = $4
                  WHERE id = $1 AND COALESCE(exchange_status, '') = COALESCE($5, '')",
            )
            .bind(id)
            .bind(code)
            .bind(description)
            .bind(now)
            .bind(current.as_deref())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 1 {
                break;
            }
            current =
                sqlx::query_scalar("SELECT exchange_status FROM document_recipients WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
        }
    }
    Ok(rows.into_iter().map(|(id, doc, _)| (id, doc)).collect())
}

/// The recipient `organ_id`'s answer to our recall of `exchange_document_id`: `accepted` or
/// `refused` with its reason, on the rows still awaiting an answer (or given this same answer
/// before, so a retry matches): a peer cannot overwrite a recall we withdrew ourselves, nor
/// turn one answer into the other. Only rows delivered through `peer` (or, delivered before
/// the peer was recorded, any: the caller checked that `peer` serves `organ_id`). Returns the
/// rows it matched.
pub async fn apply_recall_answer(
    tx: &mut Conn,
    exchange_document_id: &str,
    organ_id: &str,
    peer: &str,
    recall: &str,
    detail: Option<&str>,
    now: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, document_id FROM document_recipients
         WHERE exchange_document_id = $1 AND organ_id = $2 AND exchange_recall IN ('requested', $3)
           AND COALESCE(exchange_peer, $4) = $4",
    )
    .bind(exchange_document_id)
    .bind(organ_id)
    .bind(recall)
    .bind(peer)
    .fetch_all(&mut *tx)
    .await?;
    for (id, _) in &rows {
        sqlx::query(
            "UPDATE document_recipients SET exchange_recall = $2, exchange_recall_detail = $3,
                processing_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(recall)
        .bind(detail)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    Ok(rows)
}

/// The recipients of outgoing document `document_id` reached through the exchange: (recipient
/// id, agency code, DocumentId, delivery state).
pub async fn exchanged_recipients(
    tx: &mut Conn,
    document_id: &str,
) -> Result<Vec<(String, String, String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, organ_id, exchange_document_id, exchange_state FROM document_recipients
         WHERE document_id = $1 AND organ_id IS NOT NULL AND exchange_document_id IS NOT NULL
           AND exchange_state IS NOT NULL ORDER BY position",
    )
    .bind(document_id)
    .fetch_all(&mut *tx)
    .await?)
}

/// Records the recall asked of a recipient the package reached (`requested`, delivery `sent`).
pub async fn mark_recall_requested(
    tx: &mut Conn,
    recipient_id: &str,
    now: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE document_recipients SET exchange_recall = 'requested', exchange_recall_detail = NULL,
            exchange_state = 'sent', exchange_at = $2 WHERE id = $1",
    )
    .bind(recipient_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records that no recall is needed because the package never left (`withdrawn`, its delivery
/// `cancelled`), only while it is still waiting or failed: false when it was delivered
/// meanwhile (the delivery job recorded `sent` first), and must be asked back then.
pub async fn mark_recall_withdrawn(
    tx: &mut Conn,
    recipient_id: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE document_recipients SET exchange_recall = 'withdrawn', exchange_recall_detail = NULL,
            exchange_state = 'cancelled', exchange_at = $2
         WHERE id = $1 AND exchange_state IN ('queued', 'failed')",
    )
    .bind(recipient_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The incoming documents registered from the exchange package of sender `organ_id` with this
/// number, notation and date: (id, state), locked for the recall.
pub async fn exchanged_copies(
    db: &Db,
    tx: &mut Conn,
    organ_id: &str,
    issued_date: &str,
    number: &str,
    notation: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let lock = db.lock_rows("documents");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, state FROM documents
         WHERE direction = 'in' AND source = 'exchange' AND organ_id = $1 AND issued_date = $2
           AND code_number = $3 AND code_notation = $4 ORDER BY id{lock}"
    )))
    .bind(organ_id)
    .bind(issued_date)
    .bind(number)
    .bind(notation)
    .fetch_all(&mut *tx)
    .await?)
}

/// A delivery still queued since before `cutoff`: (recipient id, document id, agency code).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Stale {
    pub recipient_id: String,
    pub document_id: String,
    pub organ_id: String,
    pub name: String,
    pub agency_id: String,
    pub exchange_queued_at: String,
}

pub async fn stale_deliveries(db: &Db, cutoff: &str) -> Result<Vec<Stale>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.id AS recipient_id, r.document_id, r.organ_id, r.name, d.agency_id,
            COALESCE(r.exchange_queued_at, r.exchange_at) AS exchange_queued_at
         FROM document_recipients r JOIN documents d ON d.id = r.document_id
         WHERE r.exchange_state = 'queued' AND COALESCE(r.exchange_queued_at, r.exchange_at) < $1
         ORDER BY r.exchange_queued_at LIMIT 500",
    )
    .bind(cutoff)
    .fetch_all(&db.pool)
    .await?)
}

/// Marks a queued delivery failed, unless something else moved it first (another node's
/// sweep, or the job that got through): false then.
pub async fn claim_failed(
    tx: &mut Conn,
    recipient_id: &str,
    detail: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE document_recipients SET exchange_state = 'failed', exchange_detail = $2,
            exchange_at = $3 WHERE id = $1 AND exchange_state = 'queued'",
    )
    .bind(recipient_id)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues a failed delivery again ("gửi lại"): its 72 hours start over. False when it is not
/// failed (sent meanwhile, or resent by someone else).
pub async fn requeue(tx: &mut Conn, recipient_id: &str, now: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE document_recipients SET exchange_state = 'queued', exchange_detail = NULL,
            exchange_at = $2, exchange_queued_at = $2
         WHERE id = $1 AND exchange_state = 'failed' AND exchange_recall IS NULL",
    )
    .bind(recipient_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The issuing agency's document clerks: (user id, email).
pub async fn clerks_of(
    tx: &mut Conn,
    agency_id: &str,
) -> Result<Vec<(String, Option<String>)>, AppError> {
    crate::work_files::store::clerks(tx, agency_id).await
}

/// The exchange columns of a document's recipients, by recipient id.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExchangeRow {
    pub id: String,
    pub organ_id: Option<String>,
    pub exchange_state: Option<String>,
    pub exchange_detail: Option<String>,
    pub exchange_status: Option<String>,
    pub exchange_at: Option<String>,
}

/// The peers' last contact: per peer id, the last message received from it.
pub async fn last_received(db: &Db) -> Result<Vec<(String, String)>, AppError> {
    Ok(
        sqlx::query_as("SELECT peer, MAX(received_at) FROM exchange_messages GROUP BY peer")
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn exchange_rows(db: &Db, document_id: &str) -> Result<Vec<ExchangeRow>, AppError> {
    Ok(sqlx::query_as(
        "SELECT id, organ_id, exchange_state, exchange_detail, exchange_status, exchange_at
         FROM document_recipients WHERE document_id = $1 ORDER BY position",
    )
    .bind(document_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Our deliveries through the exchange per recipient code and state: (code, state, count).
pub async fn delivery_counts(db: &Db) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT organ_id, exchange_state, COUNT(*) FROM document_recipients
         WHERE exchange_state IS NOT NULL AND organ_id IS NOT NULL
         GROUP BY organ_id, exchange_state",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// A recall (13) received for one of our incoming copies and the receiving clerk's decision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecallRequest {
    pub document_id: String,
    pub agency_id: String,
    pub peer: String,
    pub from_organ_id: String,
    pub exchange_document_id: String,
    pub description: Option<String>,
    /// `pending`, `accepted` or `refused` (the clerk's answer), or `closed` (the copy was
    /// returned to its sender while the request waited: `reason` says so).
    pub state: String,
    pub reason: Option<String>,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

const RECALL_REQUEST_COLUMNS: &str = "document_id, agency_id, peer, from_organ_id, \
    exchange_document_id, description, state, reason, requested_at, decided_by, decided_at";

/// The recall request on incoming copy `document_id`, if one came.
pub async fn recall_request(db: &Db, document_id: &str) -> Result<Option<RecallRequest>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RECALL_REQUEST_COLUMNS} FROM exchange_recall_requests WHERE document_id = $1"
    )))
    .bind(document_id)
    .fetch_optional(&db.pool)
    .await?)
}

/// The same, inside `tx` (its document row locked by the caller).
pub async fn recall_request_in(
    tx: &mut Conn,
    document_id: &str,
) -> Result<Option<RecallRequest>, AppError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {RECALL_REQUEST_COLUMNS} FROM exchange_recall_requests WHERE document_id = $1"
    )))
    .bind(document_id)
    .fetch_optional(&mut *tx)
    .await?)
}

/// A recall received now: the new pending request (false when the copy has one already).
pub async fn insert_recall_request(tx: &mut Conn, r: &RecallRequest) -> Result<bool, AppError> {
    let done = sqlx::query(
        "INSERT INTO exchange_recall_requests (document_id, agency_id, peer, from_organ_id,
            exchange_document_id, description, state, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (document_id) DO NOTHING",
    )
    .bind(&r.document_id)
    .bind(&r.agency_id)
    .bind(&r.peer)
    .bind(&r.from_organ_id)
    .bind(&r.exchange_document_id)
    .bind(&r.description)
    .bind(&r.requested_at)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The clerk's decision on a pending request (`accepted`, or `refused` with `reason`); false
/// when it was not pending any more.
pub async fn decide_recall_request(
    tx: &mut Conn,
    document_id: &str,
    decision: &str,
    reason: Option<&str>,
    by: &str,
    now: &str,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE exchange_recall_requests SET state = $2, reason = $3, decided_by = $4,
            decided_at = $5 WHERE document_id = $1 AND state = 'pending'",
    )
    .bind(document_id)
    .bind(decision)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes a pending request without the clerk's decision, because its copy moved where a
/// recall is answered at once (returned to its sender): `reason` is what the sender is told.
/// False when it was not pending any more.
pub async fn close_recall_request(
    tx: &mut Conn,
    document_id: &str,
    reason: Option<&str>,
    by: &str,
    now: &str,
) -> Result<bool, AppError> {
    decide_recall_request(tx, document_id, "closed", reason, by, now).await
}

/// A pending recall request as the clerk's list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRecall {
    pub document_id: String,
    pub subject: String,
    pub code_number: Option<String>,
    pub code_notation: Option<String>,
    pub organ_name: String,
    pub description: Option<String>,
    pub requested_at: String,
}

/// The recall requests of agency `agency_id` awaiting its clerk, oldest first.
pub async fn pending_recalls(db: &Db, agency_id: &str) -> Result<Vec<PendingRecall>, AppError> {
    Ok(sqlx::query_as(
        "SELECT r.document_id, d.subject, d.code_number, d.code_notation, d.organ_name,
            r.description, r.requested_at
         FROM exchange_recall_requests r JOIN documents d ON d.id = r.document_id
         WHERE r.agency_id = $1 AND r.state = 'pending' ORDER BY r.requested_at, r.document_id
         LIMIT 200",
    )
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?)
}
