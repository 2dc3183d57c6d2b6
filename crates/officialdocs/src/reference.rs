//! Documents as other modules refer to them (`Module::references`), without depending on this
//! crate: kind `document`, an incoming document, which the tasks module makes a task from
//! (docs/tasks-design.md §4); kind `issued_document`, an outgoing document once issued, which
//! the operations centre takes as the evidence of a declared value. Someone who may not read
//! the document is told it does not exist.

use crate::policy::{DocumentAction, DocumentPolicy};
use crate::{Direction, store};
use tinhso_domain::official_doc::outgoing::OutgoingState;
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::policy::{Cx, Policy, Subject};
use tinhso_kernel::auth::{Principal, User};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{Reference, Referenced, Resolved};

/// Incoming documents, referred to by their id.
pub const DOCUMENT: Reference = Reference {
    kind: "document",
    resolve: |ctx, user, id| Box::pin(resolve(ctx, user, id)),
};

const NOT_FOUND: &str = "Không có văn bản đến nào với mã này trong các văn bản bạn được xem.";

/// Outgoing documents once issued (numbered, registered), referred to by their id.
pub const ISSUED_DOCUMENT: Reference = Reference {
    kind: "issued_document",
    resolve: |ctx, user, id| Box::pin(resolve_issued(ctx, user, id)),
};

const NOT_ISSUED: &str =
    "Không có văn bản đi đã ban hành nào với mã này trong các văn bản bạn được xem.";

async fn resolve_issued(ctx: &Ctx, user: &User, id: &str) -> Result<Resolved, AppError> {
    let Some(d) = store::by_id(&ctx.db, id.trim()).await? else {
        return Ok(Resolved::Refused(NOT_ISSUED.into()));
    };
    let principal = Principal::User(user.clone());
    let decision = DocumentPolicy::decide(
        &Cx::from(ctx),
        &Subject::of(&principal),
        &d,
        DocumentAction::View,
    )
    .await?;
    let issued = matches!(
        d.state,
        crate::State::Out(OutgoingState::Issued | OutgoingState::Sent)
    );
    if decision.is_err() || d.direction != Direction::Out || !issued {
        return Ok(Resolved::Refused(NOT_ISSUED.into()));
    }
    let number = crate::pages::printed_number(&d)
        .map(|n| format!(" số {n}"))
        .unwrap_or_default();
    Ok(Resolved::Found(Referenced {
        label: format!("Văn bản{number} — {}", d.subject),
        title: d.subject.clone(),
        agency_id: d.agency_id,
        id: d.id,
    }))
}

async fn resolve(ctx: &Ctx, user: &User, id: &str) -> Result<Resolved, AppError> {
    let Some(d) = store::by_id(&ctx.db, id.trim()).await? else {
        return Ok(Resolved::Refused(NOT_FOUND.into()));
    };
    let principal = Principal::User(user.clone());
    let decision = DocumentPolicy::decide(
        &Cx::from(ctx),
        &Subject::of(&principal),
        &d,
        DocumentAction::View,
    )
    .await?;
    if decision.is_err() || d.direction != Direction::In {
        return Ok(Resolved::Refused(NOT_FOUND.into()));
    }
    let number = crate::pages::printed_number(&d)
        .map(|n| format!(" số {n}"))
        .unwrap_or_default();
    Ok(Resolved::Found(Referenced {
        label: format!("Văn bản đến{number} của {} — {}", d.organ_name, d.subject),
        title: d.subject.clone(),
        agency_id: d.agency_id,
        id: d.id,
    }))
}
