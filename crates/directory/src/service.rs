//! The directory's writes with their rules (parent exists, code unique), audit and events
//! (`events.rs`: what the open data portal's directory dataset refreshes on), and the look-up
//! other modules use; SQL is in `store.rs`.

use super::model::{Agency, AgencyInput, validate};
use super::store::{self, AdminUnit};
use tinhso_domain::agency_code::AgencyCode;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::events::{self, EventKind, NewEvent};

/// The agency with the code a person or another module gave as text; a code that is not
/// well-formed finds nothing, like an unknown one.
pub async fn find(db: &Db, code: &str) -> Result<Option<Agency>, AppError> {
    match code.trim().parse::<AgencyCode>() {
        Ok(code) => store::by_code(db, &code).await,
        Err(_) => Ok(None),
    }
}

/// Creates the agency, or updates it when `update_existing` and the code exists.
/// Everything happens in the caller's transaction, with its audit row and its event (the
/// caller calls `events::committed` after committing).
pub async fn upsert(
    ctx: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    input: &AgencyInput,
    update_existing: bool,
) -> Result<Agency, AppError> {
    let db = &ctx.db;
    let valid = validate(input).map_err(AppError::Validation)?;
    let parent = match &valid.parent_code {
        Some(code) => Some(store::by_code_in(tx, code).await?.ok_or_else(|| {
            AppError::validation(
                "parent_code",
                format!("Không có cơ quan cha mang mã {code}."),
            )
        })?),
        None => None,
    };
    let admin_unit_id = match &valid.admin_unit_code {
        Some(code) => Some(store::admin_unit_id(tx, code).await?.ok_or_else(|| {
            AppError::validation(
                "admin_unit_code",
                format!("Không có đơn vị hành chính mã {code}."),
            )
        })?),
        None => None,
    };
    let existing = store::by_code_in(tx, &valid.code).await?;
    match existing {
        Some(old) if update_existing => {
            store::update_agency(
                tx,
                &old.id,
                &valid,
                parent.as_ref(),
                admin_unit_id.as_deref(),
            )
            .await?;
            let new = store::by_code_in(tx, &valid.code)
                .await?
                .ok_or(AppError::NotFound)?;
            audit_change(
                db,
                tx,
                actor,
                "agency.update",
                &old.code.to_string(),
                Some(&old),
                &new,
            )
            .await?;
            if serde_json::to_value(&old).ok() != serde_json::to_value(&new).ok() {
                announce(ctx, tx, actor, &crate::events::UPDATED, &new).await?;
            }
            Ok(new)
        }
        Some(old) => Err(AppError::Validation(vec![FieldError::new(
            "code",
            format!("Mã định danh {} đã được dùng cho “{}”.", old.code, old.name),
        )])),
        None => {
            let id = uuid::Uuid::now_v7().to_string();
            store::insert_agency(tx, &id, &valid, parent.as_ref(), admin_unit_id.as_deref())
                .await?;
            let new = store::by_code_in(tx, &valid.code)
                .await?
                .ok_or(AppError::NotFound)?;
            audit_change(
                db,
                tx,
                actor,
                "agency.create",
                &new.code.to_string(),
                None,
                &new,
            )
            .await?;
            announce(ctx, tx, actor, &crate::events::CREATED, &new).await?;
            Ok(new)
        }
    }
}

/// The event of a change to `agency`, in the caller's transaction.
async fn announce(
    ctx: &Ctx,
    tx: &mut Conn,
    actor: &Actor,
    kind: &'static EventKind,
    agency: &Agency,
) -> Result<(), AppError> {
    events::emit(
        ctx,
        tx,
        NewEvent {
            kind,
            aggregate_id: &agency.id,
            payload: serde_json::json!({
                "agency_id": agency.id,
                "code": agency.code.to_string(),
                "parent_code": agency.parent_code.as_ref().map(ToString::to_string),
            }),
            actor,
        },
    )
    .await?;
    Ok(())
}

async fn audit_change(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    action: &str,
    code: &str,
    before: Option<&Agency>,
    after: &Agency,
) -> Result<(), AppError> {
    let to_json = |a: &Agency| serde_json::to_value(a).unwrap_or_default();
    audit::record(
        db,
        tx,
        actor,
        Change {
            action,
            entity_type: "agency",
            entity_id: code,
            before: before.map(to_json).unwrap_or_default(),
            after: to_json(after),
        },
    )
    .await
}

/// Adds an administrative unit under its parent (which must exist), audited.
pub async fn insert_admin_unit(
    db: &Db,
    tx: &mut Conn,
    actor: &Actor,
    unit: &AdminUnit,
) -> Result<(), AppError> {
    let parent_id = match &unit.parent_code {
        Some(code) => Some(
            store::admin_unit_id(tx, code)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    store::insert_admin_unit(tx, unit, parent_id.as_deref()).await?;
    audit::record(
        db,
        tx,
        actor,
        Change {
            action: "admin_unit.create",
            entity_type: "admin_unit",
            entity_id: &unit.code,
            before: serde_json::Value::Null,
            after: serde_json::to_value(unit).unwrap_or_default(),
        },
    )
    .await
}
