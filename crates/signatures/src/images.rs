//! Signature and seal images (Decree 30/2020 Appendix I; docs/signatures-design.md §3,
//! "Appearance"): an official uploads the image of their handwritten signature on their own
//! page (`/signatures/my-image`), an agency's administrator the image of the agency's seal
//! (con dấu) on the agency's (`/signatures/agency-seal`). Each is a PNG or JPEG of at most
//! 1 MB and 2000 × 2000 pixels, checked by decoding it whole (`tinhso_pades::sign::image`, off
//! the async threads); the file goes to the object store (`stamp-images/<kind>/<owner>/<id>`),
//! one row per owner in `stamp_images`, the change audited (`stamp_image.set`,
//! `stamp_image.remove`). Signing reads it back ([`load`]) for the visible stamp: the signer's
//! image on the left of their stamp, the seal over the left third of it.

use crate::store::{self, StampImageRow};
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::error::{ApiResult, AppError, PageResult};
use tinhso_kernel::extract::{Caller, Json};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors, read_upload};
use tinhso_pades::sign::image::{MAX_IMAGE_BYTES, StampImage};
use utoipa_axum::routes;

pub const MY_PATH: &str = "/signatures/my-image";
pub const SEAL_PATH: &str = "/signatures/agency-seal";
const TEMPLATE: &str = "signatures_image.html";

pub fn routes() -> Routes {
    Routes::new("signatures")
        .get(MY_PATH, Access::SignedIn, my_page)
        .post(MY_PATH, Access::SignedIn, my_upload)
        .post("/signatures/my-image/delete", Access::SignedIn, my_remove)
        .get("/signatures/my-image/file", Access::SignedIn, my_file)
        .get(SEAL_PATH, Access::SignedIn, seal_page)
        .post(SEAL_PATH, Access::SignedIn, seal_upload)
        .post(
            "/signatures/agency-seal/delete",
            Access::SignedIn,
            seal_remove,
        )
        .get("/signatures/agency-seal/file", Access::SignedIn, seal_file)
        .api(Access::SignedIn, routes!(my_upload_api))
}

/// Whose image: a person's signature or an agency's seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    Person(String),
    Agency(String),
}

impl Owner {
    fn kind(&self) -> &'static str {
        match self {
            Owner::Person(_) => "person",
            Owner::Agency(_) => "agency",
        }
    }

    fn id(&self) -> &str {
        match self {
            Owner::Person(id) | Owner::Agency(id) => id,
        }
    }

    fn entity_type(&self) -> &'static str {
        match self {
            Owner::Person(_) => "user",
            Owner::Agency(_) => "agency",
        }
    }
}

/// The owner whose signature image `user` manages: themselves, an official.
fn person(user: Option<&User>) -> Result<(Owner, &User), AppError> {
    let user = user.ok_or(AppError::Unauthorized)?;
    if !user.is_official() {
        return Err(AppError::Forbidden);
    }
    Ok((Owner::Person(user.id.clone()), user))
}

/// The agency whose seal image `user` manages: their own, as its administrator.
fn agency(user: Option<&User>) -> Result<(Owner, &User), AppError> {
    let user = user.ok_or(AppError::Unauthorized)?;
    match &user.agency_id {
        Some(agency) if user.is_official() && user.has_role(Role::AgencyAdmin) => {
            Ok((Owner::Agency(agency.clone()), user))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// What was kept, as the page and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ImageInfo {
    pub media_type: String,
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

impl From<&StampImageRow> for ImageInfo {
    fn from(r: &StampImageRow) -> ImageInfo {
        ImageInfo {
            media_type: r.media_type.clone(),
            width: r.width,
            height: r.height,
            bytes: r.bytes,
            sha256: r.sha256.clone(),
            uploaded_at: r.uploaded_at.clone(),
        }
    }
}

/// Decodes `bytes` off the async threads: the image, or the reason it is refused (a field
/// error on `file`).
async fn decode(bytes: bytes::Bytes) -> Result<StampImage, AppError> {
    tokio::task::spawn_blocking(move || StampImage::decode(&bytes))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("signatures: image task: {e}")))?
        .map_err(|e| AppError::validation("file", e.to_string()))
}

/// Checks and keeps `bytes` as `owner`'s image, replacing the one before (its object removed
/// once the new row is committed); audited `stamp_image.set`.
pub async fn replace(
    ctx: &Ctx,
    actor: &Actor,
    owner: &Owner,
    uploaded_by: &str,
    bytes: bytes::Bytes,
) -> Result<StampImageRow, AppError> {
    let image = decode(bytes.clone()).await?;
    let kind = tinhso_pades::sign::ImageKind::sniff(&bytes)
        .ok_or_else(|| AppError::validation("file", "Tệp không phải ảnh PNG hoặc JPEG."))?;
    let key = format!(
        "stamp-images/{}/{}/{}",
        owner.kind(),
        owner.id(),
        uuid::Uuid::now_v7()
    );
    let row = StampImageRow {
        owner_kind: owner.kind().into(),
        owner_id: owner.id().into(),
        storage_key: key.clone(),
        media_type: kind.media_type().into(),
        sha256: hex::encode(Sha256::digest(&bytes)),
        width: i64::from(image.width()),
        height: i64::from(image.height()),
        bytes: bytes.len() as i64,
        uploaded_by: uploaded_by.into(),
        uploaded_at: tinhso_kernel::time::now_text(),
    };
    tinhso_kernel::storage::put(ctx.storage.as_ref(), &key, bytes)
        .await
        .map_err(AppError::Internal)?;
    let committed = async {
        let mut tx = ctx.db.begin().await?;
        let before = store::stamp_image_in(&mut tx, owner.kind(), owner.id()).await?;
        store::put_stamp_image(&mut tx, &row).await?;
        audit::record(
            &ctx.db,
            &mut tx,
            actor,
            Change {
                action: "stamp_image.set",
                entity_type: owner.entity_type(),
                entity_id: owner.id(),
                before: serde_json::json!(before.as_ref().map(ImageInfo::from)),
                after: serde_json::json!(ImageInfo::from(&row)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(before)
    }
    .await;
    match committed {
        Ok(before) => {
            if let Some(before) = before {
                tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&before.storage_key]).await;
            }
            Ok(row)
        }
        Err(e) => {
            tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&key]).await;
            Err(e)
        }
    }
}

/// Removes `owner`'s image (signing goes back to text alone); audited `stamp_image.remove`.
pub async fn remove(ctx: &Ctx, actor: &Actor, owner: &Owner) -> Result<(), AppError> {
    let mut tx = ctx.db.begin().await?;
    let Some(before) = store::stamp_image_in(&mut tx, owner.kind(), owner.id()).await? else {
        return Ok(());
    };
    store::delete_stamp_image(&mut tx, owner.kind(), owner.id()).await?;
    audit::record(
        &ctx.db,
        &mut tx,
        actor,
        Change {
            action: "stamp_image.remove",
            entity_type: owner.entity_type(),
            entity_id: owner.id(),
            before: serde_json::json!(ImageInfo::from(&before)),
            after: serde_json::Value::Null,
        },
    )
    .await?;
    tx.commit().await?;
    tinhso_kernel::storage::discard(ctx.storage.as_ref(), &[&before.storage_key]).await;
    Ok(())
}

/// `owner`'s image for a stamp, decoded; `None` when there is none. A kept file that can no
/// longer be read is logged and left out: the signature is then drawn with text alone, as
/// for an owner without an image, rather than not made.
pub async fn load(ctx: &Ctx, owner: &Owner) -> Result<Option<Arc<StampImage>>, AppError> {
    let Some(row) = store::stamp_image(&ctx.db, owner.kind(), owner.id()).await? else {
        return Ok(None);
    };
    let bytes = match tinhso_kernel::storage::get(ctx.storage.as_ref(), &row.storage_key).await {
        Ok(Some(bytes)) => bytes,
        other => {
            tracing::warn!(
                key = %row.storage_key,
                error = ?other.err(),
                "signatures: a stamp image is missing from the object store; signing with text alone"
            );
            return Ok(None);
        }
    };
    match decode(bytes).await {
        Ok(image) => Ok(Some(Arc::new(image))),
        Err(e) => {
            tracing::warn!(key = %row.storage_key, error = %e, "signatures: a stamp image no longer decodes; signing with text alone");
            Ok(None)
        }
    }
}

fn actor(page: &Page, ip: String) -> Actor {
    Actor {
        label: page.principal().actor_label(),
        ip,
    }
}

/// The page of `owner`'s image: what is kept, and the form; `errors` after a refused upload.
async fn render(
    ctx: &Ctx,
    page: &Page,
    owner: &Owner,
    status: StatusCode,
    errors: Option<&[tinhso_kernel::error::FieldError]>,
) -> PageResult<Response> {
    let row = store::stamp_image(&ctx.db, owner.kind(), owner.id()).await?;
    let (path, seal) = match owner {
        Owner::Person(_) => (MY_PATH, false),
        Owner::Agency(_) => (SEAL_PATH, true),
    };
    let base = context! {
        seal => seal,
        action => path,
        image => row.as_ref().map(|r| tinhso_kernel::web::sv(ImageInfo::from(r))),
    };
    let html = match errors {
        Some(errors) => {
            page.render(TEMPLATE, context! { errors => form_errors(errors), ..base })?
        }
        None => page.render(TEMPLATE, base)?,
    };
    Ok((status, html).into_response())
}

/// An upload from a page: kept and back to the page (303), or the page again with the reason
/// (422).
async fn upload(
    ctx: &Ctx,
    page: &Page,
    ip: String,
    owner: &Owner,
    user: &User,
    multipart: Multipart,
) -> PageResult<Response> {
    let outcome = async {
        let upload = read_upload(
            multipart,
            MAX_IMAGE_BYTES,
            &[".png", ".jpg", ".jpeg"],
            "ảnh",
        )
        .await?;
        replace(ctx, &actor(page, ip), owner, &user.id, upload.bytes).await
    }
    .await;
    match outcome {
        Ok(_) => Ok(Redirect::to(match owner {
            Owner::Person(_) => MY_PATH,
            Owner::Agency(_) => SEAL_PATH,
        })
        .into_response()),
        Err(AppError::Validation(errors)) => {
            render(
                ctx,
                page,
                owner,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&errors),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The kept image itself, for the page's preview.
async fn file(ctx: &Ctx, owner: &Owner) -> PageResult<Response> {
    let row = store::stamp_image(&ctx.db, owner.kind(), owner.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(ctx.storage.as_ref(), &row.storage_key)
        .await
        .map_err(AppError::Internal)?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, row.media_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::CACHE_CONTROL, "private, no-store".into()),
        ],
        bytes,
    )
        .into_response())
}

async fn my_page(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let (owner, _) = person(page.user.as_ref())?;
    render(&ctx, &page, &owner, StatusCode::OK, None).await
}

async fn my_upload(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let (owner, user) = person(page.user.as_ref())?;
    upload(&ctx, &page, ip, &owner, user, multipart).await
}

async fn my_remove(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
) -> PageResult<Response> {
    let (owner, _) = person(page.user.as_ref())?;
    remove(&ctx, &actor(&page, ip), &owner).await?;
    Ok(Redirect::to(MY_PATH).into_response())
}

async fn my_file(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let (owner, _) = person(page.user.as_ref())?;
    file(&ctx, &owner).await
}

async fn seal_page(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let (owner, _) = agency(page.user.as_ref())?;
    render(&ctx, &page, &owner, StatusCode::OK, None).await
}

async fn seal_upload(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> PageResult<Response> {
    let (owner, user) = agency(page.user.as_ref())?;
    upload(&ctx, &page, ip, &owner, user, multipart).await
}

async fn seal_remove(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
) -> PageResult<Response> {
    let (owner, _) = agency(page.user.as_ref())?;
    remove(&ctx, &actor(&page, ip), &owner).await?;
    Ok(Redirect::to(SEAL_PATH).into_response())
}

async fn seal_file(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let (owner, _) = agency(page.user.as_ref())?;
    file(&ctx, &owner).await
}

/// Replaces the caller's own signature image (an official): a PNG or JPEG of at most 1 MB and
/// 2000 × 2000 pixels (at least 16 × 16), checked by decoding it whole. Multipart, field
/// `file`. Used for the caller's visible signatures from then on.
#[utoipa::path(put, path = "/api/v1/signatures/my-image", tag = "signatures",
    request_body(content = ImageUpload, content_type = "multipart/form-data", description = "`file`: the PNG or JPEG"),
    responses((status = 200, body = ImageInfo),
        (status = 401, description = "Not signed in", content_type = "application/problem+json"),
        (status = 403, description = "Not an official", content_type = "application/problem+json"),
        (status = 422, description = "No file, larger than 1 MB, not a PNG or JPEG, broken, or out of bounds", content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn my_upload_api(
    State(ctx): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> ApiResult<Json<ImageInfo>> {
    let user = auth.require_user()?;
    let (owner, user) = person(Some(user))?;
    let upload = read_upload(
        multipart,
        MAX_IMAGE_BYTES,
        &[".png", ".jpg", ".jpeg"],
        "ảnh",
    )
    .await?;
    let actor = Actor {
        label: auth.principal.actor_label(),
        ip,
    };
    let row = replace(&ctx, &actor, &owner, &user.id, upload.bytes).await?;
    Ok(Json(ImageInfo::from(&row)))
}

/// The multipart body of an image upload (documentation only: the handler reads the parts).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImageUpload {
    /// The PNG or JPEG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}
