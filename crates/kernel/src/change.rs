//! A state change as the platform keeps it: one audit row and one event, written in the
//! transaction that makes the change, so that both land with it or none of them does. Modules
//! describe a change as a [`Step`] and end their transaction with [`commit`].

use crate::Ctx;
use crate::audit::{self, Actor, Change};
use crate::db::{Conn, Tx};
use crate::error::AppError;
use crate::events::{self, EventKind, NewEvent};
use serde_json::Value;

/// A change's audit row (`action`, `before`, `after`) and its event (`event`, `payload`).
pub struct Step {
    pub action: &'static str,
    pub before: Value,
    pub after: Value,
    pub event: &'static EventKind,
    /// Facts at the time: ids and codes, never personal data.
    pub payload: Value,
}

/// The record a step is about: its audit entity type and id (also the event's aggregate id).
#[derive(Debug, Clone, Copy)]
pub struct Entity<'a> {
    pub kind: &'static str,
    pub id: &'a str,
}

/// Writes `step`'s audit row and event about `entity` in `tx`, without committing.
pub async fn record(
    ctx: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    entity: Entity<'_>,
    step: Step,
) -> Result<(), AppError> {
    audit::record(
        &ctx.db,
        tx,
        actor,
        Change {
            action: step.action,
            entity_type: entity.kind,
            entity_id: entity.id,
            before: step.before,
            after: step.after,
        },
    )
    .await?;
    events::emit(
        ctx,
        tx,
        NewEvent {
            kind: step.event,
            aggregate_id: entity.id,
            payload: step.payload,
            actor,
        },
    )
    .await?;
    Ok(())
}

/// Writes `step` in `tx`, commits, and wakes the event dispatcher.
pub async fn commit(
    ctx: &Ctx,
    mut tx: Tx,
    actor: &Actor,
    entity: Entity<'_>,
    step: Step,
) -> Result<(), AppError> {
    record(ctx, &mut tx, actor, entity, step).await?;
    tx.commit().await?;
    events::committed(ctx);
    Ok(())
}
