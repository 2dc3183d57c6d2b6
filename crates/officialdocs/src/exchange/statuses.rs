//! The receiver's side of the statuses: when people act on an incoming document that came
//! through the exchange (directed 04, handled 05, done 06, returned to its sender 02), the
//! status is queued back to the sending platform in the same transaction as the step. The
//! sending platform keeps the latest one on its recipient row and never steps back
//! ([`super::status_advances`]).

use super::deliver::{self, Delivery};
use crate::Document;
use tinhso_domain::official_doc::incoming::IncomingState;
use tinhso_kernel::Ctx;
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;

/// Queues the status that `to` means for the sender of `d`, if `d` came through the exchange.
pub async fn on_incoming_state(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    to: IncomingState,
    description: Option<&str>,
) -> Result<(), AppError> {
    let Some(code) = super::status_for_incoming(to) else {
        return Ok(());
    };
    queue(state, tx, d, code, description).await
}

/// Queues status `code` about incoming document `d` to the platform that sent it (nothing
/// for a document that did not come through the exchange, or whose sender no peer serves any
/// more: that is logged).
pub async fn queue(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    code: &str,
    description: Option<&str>,
) -> Result<(), AppError> {
    queue_via(state, tx, d, None, code, description).await
}

/// [`queue`], to peer `via` when given (the one the package came from) rather than the peer
/// serving the sender now.
pub async fn queue_via(
    state: &Ctx,
    tx: &mut Conn,
    d: &Document,
    via: Option<&str>,
    code: &str,
    description: Option<&str>,
) -> Result<(), AppError> {
    if d.source.as_deref() != Some("exchange") {
        return Ok(());
    }
    let (Some(number), Some(notation), Some(date)) = (
        d.code_number.as_deref(),
        d.code_notation.as_deref(),
        d.issued_date.as_deref(),
    ) else {
        return Ok(());
    };
    let peer = match via {
        Some(id) => super::peer(state, id),
        None => super::peer_for(state, &d.organ_id),
    };
    let Some(peer) = peer else {
        tracing::warn!(
            document = d.id,
            sender = d.organ_id,
            code,
            "no peer serves the sender: status not sent"
        );
        return Ok(());
    };
    let Some(agency) = tinhso_directory::store::by_id(&state.db, &d.agency_id).await? else {
        return Ok(());
    };
    let promulgation_date = date.replace('-', "/");
    deliver::enqueue(
        tx,
        &Delivery::Status {
            peer: peer.id,
            from_organ_id: agency.code.to_string(),
            from_name: agency.name,
            sender_organ_id: d.organ_id.clone(),
            code: format!("{number}/{notation}"),
            document_id: format!("{},{promulgation_date},{number}/{notation}", d.organ_id),
            promulgation_date,
            status_code: code.to_owned(),
            description: description.map(str::to_owned),
            timestamp: Some(deliver::timestamp_now()),
        },
    )
    .await
}
