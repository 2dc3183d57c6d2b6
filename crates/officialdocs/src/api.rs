//! The documents API under `/api/v1/documents`, with the field names of Decree 30/2020
//! Appendix VI and edXML (`OrganId`, `CodeNumber`, `CodeNotation`, `IssuedDate`, `TypeName`,
//! `Subject`, `SignerInfo`, `Priority`, `To`, `DueDate`…). Token scope `documents`.

use crate::policy::{self, DocumentAction, SCOPE, checked};
use crate::service::{self, ActInput, Arrival, Draft, RecipientInput, Who};
use crate::store::{self, Recipient, Version};
use crate::{Direction, Document};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::policy::prelude;
use tinhso_kernel::auth::session::Auth;
use tinhso_kernel::error::{ApiResult, AppError};
use tinhso_kernel::extract::{Caller, Json, Path};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use utoipa_axum::routes;

pub use crate::text_api::{__path_text, text};

pub fn routes() -> Routes {
    Routes::new("documents")
        .api(Access::Entity("document"), routes!(create))
        .api(Access::Entity("document"), routes!(incoming_list, register))
        .api(Access::Entity("document"), routes!(read))
        .api(Access::Entity("document"), routes!(read_log))
        .api(Access::Entity("document"), routes!(text))
        .api(Access::Entity("document"), routes!(upload_version))
        .api(Access::Entity("document"), routes!(sign_version))
        .api(Access::Entity("document"), routes!(act))
        .api(Access::Entity("document"), routes!(seal))
        .api(Access::Entity("document"), routes!(resend))
        .merge(crate::processing_api::routes())
        .merge(crate::appendix_api::routes())
}

/// The signature block (`SignerInfo`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocSigner {
    /// The signer's position (chức vụ), e.g. `Giám đốc`.
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub full_name: String,
    /// The authority prefix: TM., Q., KT., TL. or TUQ.; none when the head signs in person.
    #[serde(default)]
    pub competence: Option<String>,
}

/// A recipient (`To`): an agency on the platform by its identifier code, or one outside it by
/// its name.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocRecipient {
    #[serde(default)]
    pub organ_id: Option<String>,
    #[serde(default)]
    pub organ_name: Option<String>,
    /// The incoming document created at the recipient, once delivered on the platform.
    #[serde(default, skip_deserializing)]
    pub delivered_as: Option<String>,
    /// The recipient's processing of it (platform recipients, once delivered).
    #[serde(default, skip_deserializing)]
    pub processing_status: Option<crate::processing_api::ProcessingStatus>,
    /// The edXML exchange's delivery, for a recipient outside the platform that a peer serves.
    #[serde(default, skip_deserializing)]
    pub exchange: Option<ExchangeDelivery>,
}

/// How the exchange delivered a document to an outside recipient.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct ExchangeDelivery {
    /// `queued`, `sent`, `failed` (refused by the peer, or not accepted within
    /// `exchange.fail_after_hours`: "gửi thất bại", which its clerk may send again) or
    /// `cancelled` (recalled before it left).
    pub state: String,
    /// Why it failed, as the peer said.
    pub detail: Option<String>,
    /// The last edXML status the recipient sent back (`01` arrived, `02` returned, `03`
    /// registered, `04` assigned, `05` in progress, `06` done); it never steps back.
    pub status_code: Option<String>,
    /// That status's Vietnamese name.
    pub status_label: Option<String>,
    /// The description the recipient sent with it (why it returned the document).
    pub status_detail: Option<String>,
    /// The recall of the document: `requested` (13 sent), `accepted` (15), `refused` (16)
    /// or `withdrawn` (it had not left yet).
    pub recall: Option<String>,
    /// The recipient's reason when it refused the recall.
    pub recall_detail: Option<String>,
}

/// A draft's new version, as multipart form data.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the multipart body; the handler reads the parts itself
pub struct VersionUpload {
    /// The draft: a PDF or a DOCX file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// An incoming document registered from paper, email or a scan, as multipart form data: text
/// fields with the metadata as printed, and the file.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // documents the multipart body; the handler reads the parts itself
#[schema(rename_all = "PascalCase")]
pub struct IncomingUpload {
    /// Number and notation as printed, e.g. `15/QĐ-UBND`.
    code_number: String,
    organ_name: String,
    organ_id: Option<String>,
    subject: String,
    /// `YYYY-MM-DD`.
    issued_date: Option<String>,
    /// `YYYY-MM-DD`; today when empty.
    arrival_date: Option<String>,
    type_name: Option<String>,
    #[schema(minimum = 0, maximum = 4)]
    priority: Option<u8>,
    /// `paper`, `email` or `scan`.
    source: Option<String>,
    page_amount: Option<u32>,
    description: Option<String>,
    /// `YYYY-MM-DD`.
    due_date: Option<String>,
    /// `true` to register it even though the same number, notation and issuer is registered.
    confirm_duplicate: Option<bool>,
    /// The document: a PDF or a DOCX file; registered from a scan (`Source=scan`), also a
    /// JPEG or PNG image, read by OCR in the background (`GET …/{id}/text`).
    #[schema(value_type = String, format = Binary)]
    #[schema(rename = "file")]
    file: Vec<u8>,
}

/// A new draft.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocDraft {
    /// One of the 29 types: its code (`decision`), Vietnamese name or abbreviation (`QĐ`).
    pub type_name: String,
    pub subject: String,
    /// edXML priority: 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc (4, hỏa tốc hẹn giờ, reads
    /// as hỏa tốc).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 4)]
    pub priority: Option<u8>,
    /// A secrecy mark (MẬT, TỐI MẬT, TUYỆT MẬT): always refused, such documents do not belong
    /// on a networked system.
    #[serde(default)]
    pub secrecy: Option<String>,
    /// The issuing agency's code; by default the caller's agency (its parent for a unit).
    #[serde(default)]
    pub organ_id: Option<String>,
    /// The drafting unit's code (a unit of the issuer); by default the caller's unit.
    #[serde(default)]
    pub drafting_unit: Option<String>,
    #[serde(default)]
    pub signer_info: OfficialDocSigner,
    #[serde(default)]
    pub page_amount: Option<u32>,
    #[serde(default)]
    pub issued_amount: Option<u32>,
    #[serde(default)]
    pub description: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub due_date: Option<String>,
    #[serde(default)]
    pub to: Vec<OfficialDocRecipient>,
    /// The one-stop dossier whose result this decision is, by its national code: one the
    /// caller's agency is handling. Once issued, the document is attached to it as its result.
    #[serde(default)]
    pub dossier_code: Option<String>,
    /// The id of an issued document of the same issuer that this one replaces (thay thế):
    /// when this one is issued, that one is marked replaced, its metadata unchanged.
    #[serde(default)]
    pub replaces: Option<String>,
}

/// A stored file of a document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocVersion {
    pub version: i64,
    pub file_name: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub created_at: String,
}

impl From<Version> for OfficialDocVersion {
    fn from(v: Version) -> Self {
        OfficialDocVersion {
            version: v.version,
            file_name: v.file_name,
            media_type: v.media_type,
            size_bytes: v.size_bytes,
            sha256: v.sha256,
            created_at: v.created_at,
        }
    }
}

/// A document as the caller's agency holds it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDoc {
    pub id: String,
    /// `out` (issued by this agency) or `in` (received).
    pub direction: String,
    pub state: String,
    pub organ_id: String,
    pub organ_name: String,
    /// `01`, once issued.
    pub code_number: Option<String>,
    /// `QĐ-STP`, once issued.
    pub code_notation: Option<String>,
    /// YYYY-MM-DD, once issued.
    pub issued_date: Option<String>,
    /// The type's code (`decision`).
    pub type_code: String,
    /// The type's Vietnamese name (`Quyết định`).
    pub type_name: String,
    pub subject: String,
    pub signer_info: OfficialDocSigner,
    pub priority: u8,
    pub due_date: Option<String>,
    pub page_amount: i64,
    pub issued_amount: i64,
    pub description: String,
    /// Incoming: the arrival number (số đến) and date, and where it came from.
    pub arrival_number: Option<i64>,
    pub arrival_date: Option<String>,
    pub source: Option<String>,
    pub to: Vec<OfficialDocRecipient>,
    pub versions: Vec<OfficialDocVersion>,
    /// The appendices in separate files (phụ lục), in order; once issued with the seal, each
    /// signed by the issuing agency.
    pub appendices: Vec<crate::appendix_api::OfficialDocAppendix>,
    /// Incoming: the units the leader's direction names, with their deadlines and notes.
    pub assignments: Vec<crate::processing_api::OfficialDocAssignment>,
    /// Outgoing: comments on the draft's versions.
    pub comments: Vec<crate::processing_api::OfficialDocComment>,
    /// After a registration confirmed although the same document was registered: that one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// The document this one replaces (thay thế), if any.
    pub replaces: Option<String>,
    /// The document that replaces this one, once it is more than a draft.
    pub replaced_by: Option<String>,
    /// Received through the edXML exchange: the signatures of its PDF files (its versions, then
    /// its appendices) as checked on arrival (signer, agency signature, integrity, trust,
    /// warnings). Empty otherwise.
    pub arrival_signatures: Vec<crate::exchange::arrival::ArrivalFile>,
}

pub async fn view(state: &Ctx, d: Document) -> Result<OfficialDoc, AppError> {
    let to = if d.direction == Direction::Out {
        store::recipients(&state.db, &d.id).await?
    } else {
        Vec::new()
    };
    let versions = store::versions(&state.db, &d.id).await?;
    let appendices = store::appendices::list(&state.db, &d.id).await?;
    let extras = crate::processing_api::Extras::load(state, &d).await?;
    let (replaces, replaced_by) = store::replacement_links(&state.db, &d.id).await?;
    let arrival_signatures =
        if d.direction == Direction::In && d.source.as_deref() == Some("exchange") {
            crate::exchange::arrival::of_document_and_appendices(&state.db, &d.id).await?
        } else {
            Vec::new()
        };
    let prefix = d
        .authority_prefix
        .as_deref()
        .and_then(|p| {
            p.parse::<tinhso_domain::official_doc::AuthorityPrefix>()
                .ok()
        })
        .map(|p| p.abbreviation().to_owned());
    Ok(OfficialDoc {
        direction: d.direction.as_str().to_owned(),
        state: d.state.as_str().to_owned(),
        organ_id: d.organ_id,
        organ_name: d.organ_name,
        code_number: d.code_number,
        code_notation: d.code_notation,
        issued_date: d.issued_date,
        type_code: d.doc_type.as_str().to_owned(),
        type_name: d.doc_type.name_vi().to_owned(),
        subject: d.subject,
        signer_info: OfficialDocSigner {
            position: d.signer_position,
            full_name: d.signer_full_name,
            competence: prefix,
        },
        priority: d.urgency.edxml_priority(),
        due_date: d.due_date,
        page_amount: d.page_amount,
        issued_amount: d.issued_amount,
        description: d.description,
        arrival_number: (d.direction == Direction::In)
            .then_some(d.reg_number)
            .flatten(),
        arrival_date: d.arrival_date,
        source: d.source,
        to: to
            .into_iter()
            .map(|r| OfficialDocRecipient {
                processing_status: extras.status(r.incoming_id.as_deref()),
                ..recipient(r)
            })
            .collect(),
        versions: versions.into_iter().map(Into::into).collect(),
        appendices: appendices.into_iter().map(Into::into).collect(),
        assignments: extras.assignments,
        comments: extras.comments,
        duplicate_of: None,
        replaces,
        replaced_by,
        arrival_signatures,
        id: d.id,
    })
}

fn recipient(r: Recipient) -> OfficialDocRecipient {
    OfficialDocRecipient {
        organ_id: r.agency_code,
        organ_name: Some(r.name),
        delivered_as: r.incoming_id,
        processing_status: None,
        exchange: r.exchange_state.map(|state| ExchangeDelivery {
            state,
            detail: r.exchange_detail,
            status_label: r
                .exchange_status
                .as_deref()
                .and_then(tinhso_edxml::StatusCode::from_code)
                .map(|c| c.label().to_owned()),
            status_code: r.exchange_status,
            status_detail: r.exchange_status_detail,
            recall: r.exchange_recall,
            recall_detail: r.exchange_recall_detail,
        }),
    }
}

/// Who calls: the signed-in user and their audit label, for the service.
pub(crate) fn who<'a>(auth: &'a Auth, ip: &str) -> Result<Who<'a>, AppError> {
    Ok(Who {
        user: auth.require_user()?,
        actor: Actor {
            label: auth.principal.actor_label(),
            ip: ip.to_owned(),
        },
    })
}

/// The common prelude (sign-in, token scope, second factor) for the operations that are not
/// about one document yet.
pub(crate) fn signed_in(auth: &Auth) -> Result<&User, AppError> {
    prelude(&auth.principal, SCOPE, false, false)?;
    auth.require_user()
}

async fn load(state: &Ctx, id: &str) -> Result<Document, AppError> {
    store::by_id(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Create a draft with its metadata and recipients: for a specialist or leader of the issuing
/// agency or of its drafting unit. Missing or invalid metadata is a 422 naming the field
/// (`Subject`, `SignerInfo.FullName`, `To`…); a secrecy mark is refused (422, `Secrecy`).
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", request_body = OfficialDocDraft,
    responses((status = 201, body = OfficialDoc),
        (status = 403, description = "Not a specialist or leader of the issuing agency or its unit", content_type = "application/problem+json"),
        (status = 422, description = "Missing or invalid metadata, or a secret document", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn create(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Json(body): Json<OfficialDocDraft>,
) -> ApiResult<(StatusCode, Json<OfficialDoc>)> {
    signed_in(&auth)?;
    let who = who(&auth, &ip)?;
    let draft = Draft {
        type_name: body.type_name,
        priority: body.priority,
        secrecy: body.secrecy,
        subject: body.subject,
        organ_id: body.organ_id,
        drafting_unit: body.drafting_unit,
        signer_position: body.signer_info.position,
        signer_full_name: body.signer_info.full_name,
        authority_prefix: body.signer_info.competence,
        page_amount: body.page_amount,
        issued_amount: body.issued_amount,
        description: body.description,
        due_date: body.due_date,
        dossier_code: body.dossier_code,
        replaces: body.replaces,
        to: body
            .to
            .into_iter()
            .map(|r| RecipientInput {
                organ_id: r.organ_id,
                organ_name: r.organ_name,
            })
            .collect(),
    };
    let id = service::create(&state, &who, draft).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, load(&state, &id).await?).await?),
    ))
}

/// One document, for the people who handle it (and the recipient agency's people for what it
/// received); to anyone else it does not exist (404).
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn read(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> ApiResult<Json<OfficialDoc>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let user = signed_in(&auth)?;
    store::record_read(&state.db, &d.id, &user.id, &ip).await?;
    Ok(Json(view(&state, d).await?))
}

/// Who read the document and when, newest first (the latest 200): every read through the
/// platform is logged, as Decree 30 asks. For the clerks and leaders of the agency holding it.
#[utoipa::path(get, path = "/api/v1/documents/{id}/reads", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = [store::Read]),
        (status = 403, description = "Not a clerk or leader of the agency holding it", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn read_log(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<store::Read>>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::ReadLog).await?;
    Ok(Json(store::reads(&state.db, &d.id, 200).await?))
}

/// Upload a new version of a draft (multipart, field `file`): PDF or DOCX only, read by its
/// content, within the platform's size limit; for the drafter while it is a draft.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions", tag = "documents",
    params(("id" = String, Path, description = "Document id")),
    request_body(content = VersionUpload, content_type = "multipart/form-data", description = "`file`: the draft, PDF or DOCX"),
    responses((status = 201, body = OfficialDocVersion),
        (status = 403, description = "Not the drafter", content_type = "application/problem+json"),
        (status = 409, description = "No longer a draft", content_type = "application/problem+json"),
        (status = 422, description = "Not a PDF or DOCX, or too large", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn upload_version(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<OfficialDocVersion>)> {
    checked(&state, &auth.principal, &id, DocumentAction::UploadVersion).await?;
    let who = who(&auth, &ip)?;
    let form = tinhso_kernel::files::read(multipart).await?;
    if !form.file_errors.is_empty() {
        return Err(AppError::Validation(form.file_errors).into());
    }
    let file = form
        .files
        .first()
        .ok_or_else(|| AppError::validation("file", "Chọn tệp văn bản (PDF hoặc DOCX)."))?;
    let version = service::upload_version(&state, &who, &id, file).await?;
    Ok((StatusCode::CREATED, Json(version.into())))
}

/// What the signer adds to a digital signature.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocSignRequest {
    /// Where it is signed (`/Location`), e.g. `Hà Giang`.
    #[serde(default)]
    pub location: Option<String>,
    /// A remote-signing provider's id (`test`: the test provider, no legal value): the leader
    /// confirms on their phone, and the answer is 202 with the session to follow
    /// (`GET /api/v1/signing-sessions/{id}`); the signed version appears once confirmed.
    #[serde(default)]
    pub remote: Option<String>,
    /// The certificate read from the signer's USB token (PEM, or the DER in base64): a signing
    /// with the token at the signer's desk (`tinhso desk-sign`). The answer is 202 with what
    /// the token signs; the signed version appears once the raw signature is posted to
    /// `POST /api/v1/signing-sessions/{SessionId}/signature` (within 5 minutes).
    #[serde(default)]
    pub desk_certificate: Option<String>,
}

/// A signing with a USB token at the signer's desk started: what the token signs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocDeskSigning {
    pub session_id: String,
    /// The session's page ("Đang chờ chữ ký từ USB token…").
    pub page: String,
    /// When the session expires unless the signature came (5 minutes).
    pub expires_at: String,
    /// `rsa-pss-sha256` (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32) or `ecdsa-p256-sha256`.
    pub algorithm: String,
    /// The DER signed attributes, base64: what a token that hashes signs.
    pub signed_attributes: String,
    /// Their SHA-256, hex: what a token that signs a digest signs.
    pub digest: String,
}

/// A signing that waits for its signature: a remote one (the phone) or a desk token's.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum OfficialDocSigningStarted {
    Remote(OfficialDocRemoteSigning),
    Desk(OfficialDocDeskSigning),
}

/// A remote signing started: follow it at `GET /api/v1/signing-sessions/{SessionId}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocRemoteSigning {
    pub session_id: String,
    /// The page that waits for the confirmation ("Đang chờ xác nhận trên điện thoại…").
    pub page: String,
    /// When the request expires unless confirmed (5 minutes).
    pub expires_at: String,
}

impl From<tinhso_kernel::signing::DeskStarted> for OfficialDocDeskSigning {
    fn from(started: tinhso_kernel::signing::DeskStarted) -> Self {
        OfficialDocDeskSigning {
            session_id: started.session_id,
            page: started.path,
            expires_at: started.expires_at,
            algorithm: started.algorithm,
            signed_attributes: started.signed_attributes,
            digest: started.digest,
        }
    }
}

impl From<tinhso_kernel::signing::RemoteStarted> for OfficialDocRemoteSigning {
    fn from(started: tinhso_kernel::signing::RemoteStarted) -> Self {
        OfficialDocRemoteSigning {
            session_id: started.session_id,
            page: started.path,
            expires_at: started.expires_at,
        }
    }
}

/// The approving leader signs the latest version (a PDF) digitally with their own certificate:
/// PAdES B-T, timestamped. The signed file is a new version; the unsigned one stays. For a
/// leader of the issuing agency while the document awaits approval or is approved.
#[utoipa::path(post, path = "/api/v1/documents/{id}/signatures", tag = "documents", request_body = OfficialDocSignRequest,
    params(("id" = String, Path, description = "Document id")),
    responses((status = 201, body = OfficialDocVersion),
        (status = 202, body = OfficialDocSigningStarted, description = "Remote signing started (waiting for the signer's confirmation on the phone), or with `DeskCertificate` a desk token's session: what the token signs"),
        (status = 403, description = "Not the competent person", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not in a state to sign, not a PDF, no usable certificate (revoked, expired), or the remote-signing provider down or refusing", content_type = "application/problem+json"),
        (status = 422, description = "Unknown remote-signing provider; a desk token's certificate unreadable, not the caller's registered personal certificate, not chaining to a trust anchor, or with an unsupported key", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn sign_version(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocSignRequest>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let who = who(&auth, &ip)?;
    let location = body
        .location
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    if let Some(certificate) = body.desk_certificate.as_deref() {
        let started = service::sign_at_desk(&state, &who, &id, location, certificate).await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(OfficialDocSigningStarted::Desk(started.into())),
        )
            .into_response());
    }
    if let Some(provider) = body.remote.as_deref().map(str::trim) {
        let started = service::sign_remotely(&state, &who, &id, location, provider).await?;
        return Ok((
            StatusCode::ACCEPTED,
            Json(OfficialDocSigningStarted::Remote(started.into())),
        )
            .into_response());
    }
    let version = service::sign_digitally(&state, &who, &id, location).await?;
    Ok((StatusCode::CREATED, Json(OfficialDocVersion::from(version))).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocActionRequest {
    /// submit, approve_content, approve_form, sign, return_for_revision, issue, send, recall,
    /// replace, cancel.
    pub action: String,
    #[serde(default)]
    pub note: String,
    /// For `sign`: the signature block, when it differs from the draft's.
    #[serde(default)]
    pub signer_info: Option<OfficialDocSigner>,
    /// For `recall`: go ahead although recipients started handling it.
    #[serde(default)]
    pub confirm: bool,
    /// For `issue`: apply the agency's digital seal (its signature, PAdES B-T, with a stamp
    /// carrying the number and notation) to the latest version, which must be a PDF with a
    /// valid signature of the issuing agency's leader; 409 otherwise, and nothing is issued.
    /// Each appendix in a separate file is signed by the agency too (a text stamp top right of
    /// its first page: the number and notation, the signing time); one that cannot be signed
    /// refuses the issue (409), nothing applied. Without it the document is issued as before
    /// (paper), its appendices as uploaded.
    #[serde(default)]
    pub seal: bool,
}

/// Take a step of the outgoing flow. `issue` (the document clerk) gives the next number of the
/// agency's register, and delivers the document to every recipient agency on the platform in
/// the same transaction; with `Seal`, the agency's signature is applied to the leader-signed
/// PDF first and the sealed file is the new version the recipients get. 403 when the caller's role may not take it, 409 when the state does
/// not allow it, 422 when metadata is missing.
#[utoipa::path(post, path = "/api/v1/documents/{id}/actions", tag = "documents", request_body = OfficialDocActionRequest,
    params(("id" = String, Path, description = "Document id")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not allowed for this caller", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in the document's state; with Seal, no valid signature of the approving leader on the latest version, no usable agency certificate, or an appendix that cannot be signed", content_type = "application/problem+json"),
        (status = 422, description = "Missing metadata or no file", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn act(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocActionRequest>,
) -> ApiResult<Json<OfficialDoc>> {
    let action = body
        .action
        .trim()
        .parse()
        .map_err(|_| AppError::validation("Action", "Thao tác không hợp lệ."))?;
    checked(&state, &auth.principal, &id, DocumentAction::Act(action)).await?;
    let who = who(&auth, &ip)?;
    let signer = body.signer_info;
    service::act(
        &state,
        &who,
        &id,
        ActInput {
            action,
            note: body.note,
            signer_position: signer.as_ref().map(|s| s.position.clone()),
            signer_full_name: signer.as_ref().map(|s| s.full_name.clone()),
            authority_prefix: signer.and_then(|s| s.competence),
            confirm: body.confirm,
            seal: body.seal,
        },
    )
    .await?;
    Ok(Json(view(&state, load(&state, &id).await?).await?))
}

/// Where the agency's key is, for an issue that waits for its seal.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase")]
pub struct OfficialDocSealRequest {
    /// The agency's certificate read from the document clerk's USB token (PEM, or the DER in
    /// base64; `tinhso desk-sign --seal`). The answer is 202 with what the token signs; the
    /// document is issued once the raw signature is posted to
    /// `POST /api/v1/signing-sessions/{SessionId}/signature` (within 5 minutes).
    #[serde(default)]
    pub desk_certificate: Option<String>,
    /// Or a remote-signing provider's id that holds the agency's certificate (`test`: the test
    /// provider, no legal value): the clerk confirms on their phone, and the document is
    /// issued once confirmed.
    #[serde(default)]
    pub remote: Option<String>,
}

/// Issue with the agency's seal from a key the server does not hold: the clerk's USB token or
/// a remote-signing provider (docs/signatures-design.md §4). The same checks as `issue` with
/// `Seal`; then the next number of the register is reserved (so the seal's stamp carries it)
/// and a signing session opened. The document is issued when the signature comes; a session
/// that ends without one (refused, expired, failed, or the document returned meanwhile)
/// leaves the number recorded as not used. A document with appendices in separate files is
/// refused (409): they need the agency's signature each, which only the server's key gives
/// at once.
#[utoipa::path(post, path = "/api/v1/documents/{id}/seal", tag = "documents", request_body = OfficialDocSealRequest,
    params(("id" = String, Path, description = "Document id")),
    responses(
        (status = 202, body = OfficialDocSigningStarted, description = "The number reserved and the signing session started: with `DeskCertificate` what the token signs, with `Remote` the session to follow"),
        (status = 403, description = "Not the issuing agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "Not approved, no valid signature of the approving leader on the latest version, another seal pending, appendices in separate files, a certificate revoked, or the provider down or refusing", content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of DeskCertificate and Remote; an unknown provider; the token's certificate unreadable, not the agency's registered certificate, untrusted, or with an unsupported key; missing metadata", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn seal(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Json(body): Json<OfficialDocSealRequest>,
) -> ApiResult<axum::response::Response> {
    use crate::deferred_seal::{SealKey, SealStarted};
    use axum::response::IntoResponse;
    checked(
        &state,
        &auth.principal,
        &id,
        DocumentAction::Act(tinhso_domain::official_doc::outgoing::OutgoingAction::Issue),
    )
    .await?;
    let who = who(&auth, &ip)?;
    let desk = body.desk_certificate.filter(|c| !c.trim().is_empty());
    let remote = body
        .remote
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let key = match (desk, remote) {
        (Some(certificate), None) => SealKey::Desk { certificate },
        (None, Some(provider)) => SealKey::Remote { provider },
        _ => {
            return Err(AppError::validation(
                "DeskCertificate",
                "Hãy gửi đúng một trong hai: chứng thư số của cơ quan đọc từ USB token (DeskCertificate) hoặc nhà cung cấp ký số từ xa (Remote).",
            )
            .into());
        }
    };
    let started = crate::deferred_seal::start(&state, &who, &id, key).await?;
    let body = match started {
        SealStarted::Desk(started) => OfficialDocSigningStarted::Desk(started.into()),
        SealStarted::Remote(started) => OfficialDocSigningStarted::Remote(started.into()),
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// The incoming documents of the caller's agency (for its document clerk and leaders), newest
/// arrival first.
#[utoipa::path(get, path = "/api/v1/documents/incoming", tag = "documents",
    responses((status = 200, body = [OfficialDoc]),
        (status = 403, description = "Not a document clerk or leader", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn incoming_list(
    State(state): State<Ctx>,
    Caller(auth): Caller,
) -> ApiResult<Json<Vec<OfficialDoc>>> {
    let user = signed_in(&auth)?;
    if !policy::keeps_incoming(user, false) {
        return Err(AppError::Forbidden.into());
    }
    let agency = user.agency_id.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for d in store::incoming(&state.db, agency, 200).await? {
        out.push(view(&state, d).await?);
    }
    Ok(Json(out))
}

/// Register an incoming document from paper, email or a scan (multipart: the metadata as text
/// fields `CodeNumber` — number and notation as printed, `15/QĐ-UBND` —, `OrganName`,
/// `OrganId`, `Subject`, `IssuedDate`, `ArrivalDate`, `TypeName`, `Priority`, `Source`
/// (paper, email, scan), `PageAmount`, `Description`, `DueDate`, and `file`, PDF or DOCX, or
/// a JPEG or PNG image for a scan). It
/// gets the next arrival number of the year. A document with the same number, notation and
/// issuer already registered is refused with a warning (409) unless `ConfirmDuplicate=true`.
#[utoipa::path(post, path = "/api/v1/documents/incoming", tag = "documents",
    request_body(content = IncomingUpload, content_type = "multipart/form-data", description = "Metadata fields and `file`"),
    responses((status = 201, body = OfficialDoc),
        (status = 403, description = "Not a document clerk", content_type = "application/problem+json"),
        (status = 409, description = "Already registered: confirm to register again", content_type = "application/problem+json"),
        (status = 422, description = "Missing metadata, a secret document, or not a PDF or DOCX (or, for a scan, a JPEG or PNG image)", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn register(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<OfficialDoc>)> {
    let user = signed_in(&auth)?;
    if !policy::keeps_incoming(user, true) {
        return Err(AppError::Forbidden.into());
    }
    let who = who(&auth, &ip)?;
    let form = tinhso_kernel::files::read(multipart).await?;
    if !form.file_errors.is_empty() {
        return Err(AppError::Validation(form.file_errors).into());
    }
    let text = |k: &str| Some(form.text(k).to_owned()).filter(|t| !t.is_empty());
    let number = |k: &str| -> Result<Option<u32>, AppError> {
        match text(k) {
            None => Ok(None),
            Some(t) => t
                .parse()
                .map(Some)
                .map_err(|_| AppError::validation(k, "Nhập một số nguyên.")),
        }
    };
    let arrival = Arrival {
        code_number: form.text("CodeNumber").to_owned(),
        organ_id: text("OrganId"),
        organ_name: form.text("OrganName").to_owned(),
        subject: form.text("Subject").to_owned(),
        type_name: text("TypeName"),
        priority: number("Priority")?.map(|p| p.min(255) as u8),
        secrecy: text("Secrecy"),
        issued_date: text("IssuedDate"),
        arrival_date: text("ArrivalDate"),
        source: text("Source"),
        page_amount: number("PageAmount")?,
        description: form.text("Description").to_owned(),
        due_date: text("DueDate"),
        confirm_duplicate: matches!(form.text("ConfirmDuplicate"), "true" | "yes" | "1"),
    };
    let registered = service::register_incoming(&state, &who, arrival, form.files.first()).await?;
    let mut doc = view(&state, load(&state, &registered.id).await?).await?;
    doc.duplicate_of = registered.duplicate_of;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// Send again a delivery through the exchange that failed ("gửi thất bại": refused by the
/// peer, or not accepted within `exchange.fail_after_hours`): a new attempt is queued, with a
/// new window. The issuing agency's document clerk only; 409 when that delivery is not failed.
#[utoipa::path(post, path = "/api/v1/documents/{id}/recipients/{organ_id}/resend", tag = "documents",
    params(("id" = String, Path, description = "Outgoing document id"),
        ("organ_id" = String, Path, description = "The recipient agency's code")),
    responses((status = 200, body = OfficialDoc),
        (status = 403, description = "Not the issuing agency's document clerk", content_type = "application/problem+json"),
        (status = 404, description = "No such document or recipient, or not the caller's", content_type = "application/problem+json"),
        (status = 409, description = "The delivery is not failed", content_type = "application/problem+json")),
    security(("bearer" = ["documents"])))]
pub async fn resend(
    State(state): State<Ctx>,
    Caller(auth): Caller,
    ClientIp(ip): ClientIp,
    Path((id, organ_id)): Path<(String, String)>,
) -> ApiResult<Json<OfficialDoc>> {
    let (d, _) = checked(&state, &auth.principal, &id, DocumentAction::View).await?;
    let who = who(&auth, &ip)?;
    if !crate::exchange::failures::may_resend(who.user, &d) {
        return Err(AppError::Forbidden.into());
    }
    let recipient = store::recipients(&state.db, &id)
        .await?
        .into_iter()
        .find(|r| r.agency_id.is_none() && r.agency_code.as_deref() == Some(organ_id.as_str()))
        .ok_or(AppError::NotFound)?;
    crate::exchange::failures::resend(&state, &who.actor, &id, &recipient.id).await?;
    Ok(Json(view(&state, load(&state, &id).await?).await?))
}
