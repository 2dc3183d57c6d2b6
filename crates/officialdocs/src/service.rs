//! Every change to a document, each in one transaction with its audit row and its event:
//! creating a draft, uploading a version, the steps of the outgoing flow (issue numbers it from
//! the agency's register and delivers it to the recipients on the platform), and registering
//! an incoming document from paper, email or a scan.

use crate::events;
use crate::policy::{self, DocumentAction, DocumentPolicy};
use crate::store::{self, NewDocument, Version};
use crate::{Direction, Document};
use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sha2::Digest;
use tinhso_directory::Agency;
use tinhso_domain::agency_code::AgencyCode;
use tinhso_domain::official_doc::incoming::{self, IncomingAction, IncomingRole, IncomingState};
use tinhso_domain::official_doc::metadata::{
    FieldError as MetaError, IncomingMetadata, OutgoingMetadata, check_incoming, check_outgoing,
};
use tinhso_domain::official_doc::outgoing::{self, OutgoingAction, OutgoingRole, OutgoingState};
use tinhso_domain::official_doc::{
    Abbreviation, AuthorityPrefix, DocNumber, DocType, NotationForm, NumberingKey, NumberingPolicy,
    Secrecy, Urgency, marks,
};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::policy::Refusal;
use tinhso_kernel::error::{AppError, FieldError};
use tinhso_kernel::events::{NewEvent, emit};
use tinhso_kernel::files::IncomingFile;
use tinhso_kernel::module::{Resolved, reference};

/// Who acts: the person, and the audit trail's label for them.
pub struct Who<'a> {
    pub user: &'a User,
    pub actor: Actor,
}

fn field_errors(errors: Vec<MetaError>) -> AppError {
    AppError::Validation(
        errors
            .into_iter()
            .map(|e| FieldError::new(e.field, e.error.to_string()))
            .collect(),
    )
}

/// The type named by `TypeName`: its code (`decision`), its Vietnamese name (`Quyết định`) or
/// its abbreviation (`QĐ`).
pub fn parse_type(text: &str) -> Option<DocType> {
    let text = text.trim();
    text.parse()
        .ok()
        .or_else(|| DocType::from_name_vi(text))
        .or_else(|| DocType::from_abbreviation_any_case(text))
}

/// Refuses any secrecy mark given (`MẬT`, `confidential`…): any non-empty `Secrecy` is one,
/// since a document that is not secret carries no such mark at all.
pub fn refuse_secret(text: Option<&str>) -> Result<(), AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(());
    };
    let level = Secrecy::from_mark(text)
        .or_else(|| text.parse().ok())
        .unwrap_or(Secrecy::Confidential);
    marks::refuse_secret(Some(level))
        .map_err(|e| AppError::Validation(vec![FieldError::new("Secrecy", e.to_string())]))
}

fn urgency(priority: Option<u8>) -> Result<Urgency, AppError> {
    match priority {
        None => Ok(Urgency::Normal),
        Some(p) => Urgency::from_edxml_priority(p).ok_or_else(|| {
            AppError::validation("Priority", "Độ khẩn (Priority) là 0, 1, 2 hoặc 3.")
        }),
    }
}

fn date(field: &str, text: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::validation(field, "Ngày có dạng YYYY-MM-DD.")),
    }
}

fn authority_prefix(text: Option<&str>) -> Result<Option<AuthorityPrefix>, AppError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    AuthorityPrefix::ALL
        .into_iter()
        .find(|p| p.abbreviation().eq_ignore_ascii_case(text) || p.as_str() == text)
        .map(Some)
        .ok_or_else(|| {
            AppError::validation(
                "SignerInfo.Competence",
                "Quyền hạn ký là một trong TM., Q., KT., TL., TUQ.",
            )
        })
}

fn amount(value: Option<u32>) -> u32 {
    value.unwrap_or(1)
}

fn today() -> NaiveDate {
    tinhso_kernel::time::local_now().date()
}

/// A recipient as the drafter names it: an agency on the platform by its code, or one outside
/// by its name.
#[derive(Debug, Clone)]
pub struct RecipientInput {
    pub organ_id: Option<String>,
    pub organ_name: Option<String>,
}

/// A new draft's metadata.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub type_name: String,
    pub priority: Option<u8>,
    pub secrecy: Option<String>,
    pub subject: String,
    pub organ_id: Option<String>,
    pub drafting_unit: Option<String>,
    pub signer_position: String,
    pub signer_full_name: String,
    pub authority_prefix: Option<String>,
    pub page_amount: Option<u32>,
    pub issued_amount: Option<u32>,
    pub description: String,
    pub due_date: Option<String>,
    pub to: Vec<RecipientInput>,
    /// The one-stop dossier whose result this decision is (its national code).
    pub dossier_code: Option<String>,
    /// The issued document this one replaces (its id): issuing this one marks that one
    /// replaced.
    pub replaces: Option<String>,
}

/// The issuing agency and the drafting unit of a new draft, with their abbreviations.
struct Issuer {
    agency: Agency,
    abbreviation: Abbreviation,
    unit: Option<(Agency, Option<Abbreviation>)>,
}

async fn abbreviation_of(state: &Ctx, agency: &Agency) -> Result<Option<Abbreviation>, AppError> {
    Ok(store::abbreviation(&state.db, &agency.id)
        .await?
        .and_then(|a| Abbreviation::new(&a).ok()))
}

/// The issuer: `OrganId` if given, else the drafter's agency — or, when that is a unit
/// (phòng, trung tâm), its parent. The drafting unit: `DraftingUnit` if given, else the
/// drafter's agency when it is a unit of the issuer.
async fn issuer_of(
    state: &Ctx,
    user: &User,
    draft: &Draft,
) -> Result<(Agency, Option<Agency>), AppError> {
    let own = match user.agency_id.as_deref() {
        Some(id) => tinhso_directory::store::by_id(&state.db, id).await?,
        None => None,
    }
    .ok_or(AppError::Forbidden)?;
    let agency = match draft
        .organ_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(code) => tinhso_directory::find(&state.db, code)
            .await?
            .ok_or_else(|| {
                AppError::validation("OrganId", "Không có cơ quan với mã định danh này.")
            })?,
        None if own.kind == tinhso_directory::AgencyKind::Unit => match own.parent_id.as_deref() {
            Some(parent) => tinhso_directory::store::by_id(&state.db, parent)
                .await?
                .ok_or(AppError::Forbidden)?,
            None => own.clone(),
        },
        None => own.clone(),
    };
    let unit =
        match draft
            .drafting_unit
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(code) => Some(tinhso_directory::find(&state.db, code).await?.ok_or_else(
                || AppError::validation("DraftingUnit", "Không có đơn vị với mã định danh này."),
            )?),
            None if own.parent_id.as_deref() == Some(agency.id.as_str()) => Some(own),
            None => None,
        };
    Ok((agency, unit))
}

/// The abbreviations the notation needs: the issuer's, and its drafting unit's if it has one.
async fn with_abbreviations(
    state: &Ctx,
    agency: Agency,
    unit: Option<Agency>,
) -> Result<Issuer, AppError> {
    let abbreviation = abbreviation_of(state, &agency).await?.ok_or_else(|| {
        AppError::validation(
            "OrganId",
            "Cơ quan ban hành chưa có chữ viết tắt dùng trong ký hiệu văn bản.",
        )
    })?;
    let unit = match unit {
        Some(u) => {
            let a = abbreviation_of(state, &u).await?;
            Some((u, a))
        }
        None => None,
    };
    Ok(Issuer {
        agency,
        abbreviation,
        unit,
    })
}

/// The unit's abbreviation when `doc_type`'s notation names it (a công văn), checked.
fn unit_for_notation(
    doc_type: DocType,
    unit: Option<&Abbreviation>,
) -> Result<Option<&Abbreviation>, AppError> {
    match doc_type.notation_form() {
        NotationForm::TypeAndIssuer => Ok(None),
        NotationForm::IssuerAndUnit => unit.map(Some).ok_or_else(|| {
            AppError::validation(
                "DraftingUnit",
                "Ký hiệu công văn gồm chữ viết tắt tên cơ quan ban hành và tên đơn vị soạn thảo, ví dụ UBND-VX: hãy chọn đơn vị soạn thảo có chữ viết tắt.",
            )
        }),
    }
}

fn outgoing_errors(
    subject: &str,
    position: &str,
    full_name: &str,
    recipients: usize,
    page_amount: u32,
    issued_amount: u32,
    description: &str,
) -> Result<(), AppError> {
    let errors = check_outgoing(&OutgoingMetadata {
        subject,
        signer_position: position,
        signer_full_name: full_name,
        recipients,
        page_amount,
        issued_amount,
        description,
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(field_errors(errors))
    }
}

/// Creates a draft with its metadata and recipients; returns its id.
pub async fn create(state: &Ctx, who: &Who<'_>, draft: Draft) -> Result<String, AppError> {
    // Who may draft comes first: someone who may not learns nothing about the rest.
    let (agency, unit) = issuer_of(state, who.user, &draft).await?;
    if !policy::may_draft(who.user, &agency.id, unit.as_ref().map(|u| u.id.as_str())) {
        return Err(AppError::Forbidden);
    }
    if let Some(u) = &unit
        && u.parent_id.as_deref() != Some(agency.id.as_str())
    {
        return Err(AppError::validation(
            "DraftingUnit",
            "Đơn vị soạn thảo phải là đơn vị trực thuộc cơ quan ban hành.",
        ));
    }
    refuse_secret(draft.secrecy.as_deref())?;
    let doc_type = parse_type(&draft.type_name).ok_or_else(|| {
        AppError::validation("TypeName", "Chọn một trong 29 loại văn bản hành chính.")
    })?;
    let urgency = urgency(draft.priority)?;
    outgoing_errors(
        &draft.subject,
        &draft.signer_position,
        &draft.signer_full_name,
        draft.to.len(),
        amount(draft.page_amount),
        amount(draft.issued_amount),
        &draft.description,
    )?;
    let prefix = authority_prefix(draft.authority_prefix.as_deref())?;
    let due = date("DueDate", draft.due_date.as_deref())?;
    let issuer = with_abbreviations(state, agency, unit).await?;
    let dossier = dossier_reference(state, who.user, draft.dossier_code.as_deref()).await?;
    let replaces = replaced_document(
        state,
        who.user,
        &issuer.agency.id,
        draft.replaces.as_deref(),
    )
    .await?;
    let unit_id = issuer.unit.as_ref().map(|(u, _)| u.id.as_str());
    let unit_abbreviation = issuer.unit.as_ref().and_then(|(_, a)| a.as_ref());
    // The notation can be formed now: a công văn needs its unit's abbreviation.
    let unit_part = unit_for_notation(doc_type, unit_abbreviation)?;
    tinhso_domain::official_doc::Notation::for_type(doc_type, &issuer.abbreviation, unit_part)
        .map_err(|e| AppError::validation("CodeNotation", e.to_string()))?;
    let mut recipients = Vec::new();
    for r in &draft.to {
        let code = r
            .organ_id
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        match code {
            Some(code) => {
                let Some(agency) = tinhso_directory::find(&state.db, code).await? else {
                    // Outside the platform, reached through a peer of the exchange.
                    if crate::exchange::peer_for(state, code).is_some() {
                        let name = r.organ_name.as_deref().map(str::trim).unwrap_or_default();
                        let name = if name.is_empty() { code } else { name };
                        recipients.push((None, name.to_owned(), Some(code.to_owned())));
                        continue;
                    }
                    return Err(AppError::validation(
                        "To",
                        "Nơi nhận có mã định danh không có trên hệ thống.",
                    ));
                };
                if agency.id == issuer.agency.id {
                    return Err(AppError::validation(
                        "To",
                        "Cơ quan ban hành không gửi văn bản cho chính mình.",
                    ));
                }
                recipients.push((Some(agency.id), agency.name, None));
            }
            None => {
                let name = r.organ_name.as_deref().map(str::trim).unwrap_or_default();
                if name.is_empty() {
                    return Err(AppError::validation(
                        "To",
                        "Mỗi nơi nhận cần mã định danh (OrganId) hoặc tên (OrganName).",
                    ));
                }
                recipients.push((None, name.to_owned(), None));
            }
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let now = tinhso_kernel::time::now_text();
    let subject = draft.subject.trim();
    let folded = tinhso_domain::text::fold(subject);
    let due_text = due.map(|d| d.to_string());
    let organ_id = issuer.agency.code.to_string();
    let mut tx = state.db.begin().await?;
    store::insert_document(
        &mut tx,
        &NewDocument {
            id: &id,
            agency_id: &issuer.agency.id,
            direction: Direction::Out,
            state: OutgoingState::Draft.as_str(),
            doc_type: doc_type.as_str(),
            urgency: urgency.as_str(),
            subject,
            subject_folded: &folded,
            drafting_unit_id: unit_id,
            drafter_id: Some(&who.user.id),
            signer_position: draft.signer_position.trim(),
            signer_full_name: draft.signer_full_name.trim(),
            authority_prefix: prefix.map(|p| p.as_str()),
            page_amount: i64::from(amount(draft.page_amount)),
            issued_amount: i64::from(amount(draft.issued_amount)),
            description: draft.description.trim(),
            due_date: due_text.as_deref(),
            code_number: None,
            code_notation: None,
            issued_date: None,
            organ_id: &organ_id,
            organ_name: &issuer.agency.name,
            register: None,
            arrival_date: None,
            source: None,
            origin_id: None,
            duplicate_key: None,
            created_by: Some(&who.user.id),
            now: &now,
        },
    )
    .await?;
    for (position, (agency_id, name, outside_code)) in recipients.iter().enumerate() {
        match outside_code {
            Some(code) => {
                crate::exchange::store::insert_outside_recipient(
                    &mut tx,
                    &id,
                    position as i64,
                    name,
                    code,
                )
                .await?
            }
            None => {
                store::insert_recipient(&mut tx, &id, position as i64, agency_id.as_deref(), name)
                    .await?
            }
        }
    }
    if let Some(code) = &dossier {
        store::set_dossier_code(&mut tx, &id, code).await?;
    }
    if let Some(old) = &replaces {
        store::set_replaces(&mut tx, &id, old).await?;
    }
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: "document.create",
            entity_type: "document",
            entity_id: &id,
            before: json!(null),
            after: json!({
                "type": doc_type.as_str(),
                "subject": subject,
                "agency": issuer.agency.code,
                "recipients": recipients.len(),
                "dossier": dossier,
                "replaces": replaces,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The dossier a decision is drafted for, checked with the module that holds dossiers: one the
/// drafter's agency is handling and whose result is still to come.
async fn dossier_reference(
    state: &Ctx,
    user: &User,
    code: Option<&str>,
) -> Result<Option<String>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let missing = "Hệ thống không có dịch vụ một cửa để gắn văn bản với hồ sơ.";
    match reference::resolve(state, "dossier", code, user, missing).await? {
        Resolved::Found(dossier) => Ok(Some(dossier.id)),
        Resolved::Refused(why) => Err(AppError::validation("DossierCode", why)),
    }
}

/// The document a new draft replaces: an issued (or sent) outgoing document of the same
/// issuer that the drafter may read (Decree 30 Art. 18: a replacement is issued by the one who
/// issued the original).
async fn replaced_document(
    state: &Ctx,
    user: &User,
    issuer_id: &str,
    id: Option<&str>,
) -> Result<Option<String>, AppError> {
    let Some(id) = id.map(str::trim).filter(|i| !i.is_empty()) else {
        return Ok(None);
    };
    let not_found = || {
        AppError::validation(
            "Replaces",
            "Không có văn bản đã ban hành nào của cơ quan bạn với mã này để thay thế.",
        )
    };
    let Some(old) = store::by_id(&state.db, id).await? else {
        return Err(not_found());
    };
    let readable = DocumentPolicy::decision(user, &old, DocumentAction::View).is_ok();
    if !readable || old.direction != Direction::Out || old.agency_id != issuer_id {
        return Err(not_found());
    }
    if replaceable(&old) {
        Ok(Some(old.id))
    } else {
        Err(AppError::validation(
            "Replaces",
            "Chỉ thay thế được văn bản đã ban hành và chưa bị thu hồi hay thay thế.",
        ))
    }
}

/// Whether `d` can still be replaced: an outgoing document issued (or sent), neither recalled
/// nor replaced.
fn replaceable(d: &Document) -> bool {
    matches!(
        d.outgoing_state(),
        Some(OutgoingState::Issued | OutgoingState::Sent)
    )
}

/// Whether `user` may draft a replacement of `d` (its page offers "Thay thế"): `d` can still
/// be replaced, and `user` drafts for the agency that issued it (the one that issued the
/// original issues its replacement, Decree 30 Art. 18).
pub async fn may_replace(state: &Ctx, user: &User, d: &Document) -> Result<bool, AppError> {
    if !replaceable(d) || d.direction != Direction::Out {
        return Ok(false);
    }
    let (agency, unit) = match issuer_of(state, user, &Draft::default()).await {
        Ok(issuer) => issuer,
        Err(AppError::Forbidden) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(agency.id == d.agency_id
        && policy::may_draft(user, &agency.id, unit.as_ref().map(|u| u.id.as_str()))
        && DocumentPolicy::decision(user, d, DocumentAction::View).is_ok())
}

/// Checks that `file` is a PDF or a DOCX (its content was already checked against its name).
fn pdf_or_docx(file: &IncomingFile) -> Result<(), AppError> {
    let docx = tinhso_domain::attachment::FileKind::Docx.media_type();
    if file.media_type == "application/pdf" || file.media_type == docx {
        Ok(())
    } else {
        Err(AppError::validation(
            "file",
            "Tệp văn bản phải là PDF hoặc DOCX.",
        ))
    }
}

/// Puts `file` into the object store under the document, before the transaction that records
/// it (removed again if that fails).
pub(crate) async fn put(
    state: &Ctx,
    document_id: &str,
    file: &IncomingFile,
) -> Result<Version, AppError> {
    let id = uuid::Uuid::now_v7().to_string();
    let storage_key = format!("documents/{document_id}/{id}");
    tinhso_kernel::storage::put(state.storage.as_ref(), &storage_key, file.bytes.clone())
        .await
        .map_err(AppError::Internal)?;
    Ok(Version {
        id,
        version: 0,
        file_name: file.file_name.clone(),
        media_type: file.media_type.to_owned(),
        size_bytes: file.bytes.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(&file.bytes)),
        storage_key,
        created_at: tinhso_kernel::time::now_text(),
    })
}

async fn discard(state: &Ctx, v: &Version) {
    tinhso_kernel::storage::discard(state.storage.as_ref(), &[v.storage_key.as_str()]).await;
}

fn refused(r: Refusal) -> AppError {
    r.into()
}

/// Records `version` (already in the object store) in `tx` as the next version of document
/// `id`, uploaded by `uploaded_by`: its number is set here.
pub(crate) async fn insert_next_version(
    tx: &mut tinhso_kernel::db::Conn,
    id: &str,
    version: &mut Version,
    uploaded_by: Option<&str>,
) -> Result<(), AppError> {
    version.version = store::next_version(tx, id).await?;
    store::insert_version(tx, id, version, uploaded_by).await
}

/// The shape every new version takes: `file` is put into the object store under document
/// `id`, then `record` runs the transaction that records it (with [`insert_next_version`] and
/// its audit rows) and gives the version back; when `record` fails, the stored object is
/// removed again, so no object is left without its row and no row without its object.
async fn store_version<F, Fut>(
    state: &Ctx,
    id: &str,
    file: &IncomingFile,
    record: F,
) -> Result<Version, AppError>
where
    F: FnOnce(Version) -> Fut,
    Fut: Future<Output = Result<Version, AppError>>,
{
    let version = put(state, id, file).await?;
    let stored = version.clone();
    match record(version).await {
        Ok(version) => Ok(version),
        Err(e) => {
            discard(state, &stored).await;
            Err(e)
        }
    }
}

/// Adds a version to a draft (its drafter, while it is a draft).
pub async fn upload_version(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    file: &IncomingFile,
) -> Result<Version, AppError> {
    pdf_or_docx(file)?;
    let text_plan = crate::texts::plan(file).await;
    store_version(state, id, file, |mut version| async move {
        let mut tx = state.db.begin().await?;
        let d = store::for_update(&state.db, &mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        DocumentPolicy::decision(who.user, &d, DocumentAction::UploadVersion).map_err(refused)?;
        insert_next_version(&mut tx, id, &mut version, Some(&who.user.id)).await?;
        crate::texts::record(&mut tx, id, version.version, &text_plan).await?;
        audit::record(
            &state.db,
            &mut tx,
            &who.actor,
            Change {
                action: "document.upload_version",
                entity_type: "document",
                entity_id: id,
                before: json!(null),
                after: json!({
                    "version": version.version,
                    "file_name": version.file_name,
                    "sha256": version.sha256,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    })
    .await
}

/// An action on an outgoing document.
#[derive(Debug, Clone)]
pub struct ActInput {
    pub action: OutgoingAction,
    pub note: String,
    /// For `sign`: the signature block, when it differs from the draft's.
    pub signer_position: Option<String>,
    pub signer_full_name: Option<String>,
    pub authority_prefix: Option<String>,
    /// For `recall`: go ahead although recipients started handling it.
    pub confirm: bool,
    /// For `issue`: apply the agency's digital seal (its signature, PAdES B-T) to the latest
    /// version, which must carry a valid signature of the approving leader; without it the
    /// document is issued as before (the paper flow).
    pub seal: bool,
}

/// What an action did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The incoming rows a platform delivery created.
    pub delivered: Vec<String>,
}

fn audit_action(action: OutgoingAction) -> &'static str {
    match action {
        OutgoingAction::Submit => "document.submit",
        OutgoingAction::ApproveContent => "document.approve_content",
        OutgoingAction::ApproveForm => "document.approve_form",
        OutgoingAction::Sign => "document.sign",
        OutgoingAction::ReturnForRevision => "document.return_for_revision",
        OutgoingAction::Issue => "document.issue",
        OutgoingAction::Send => "document.send",
        OutgoingAction::Recall => "document.recall",
        OutgoingAction::Replace => "document.replace",
        OutgoingAction::Cancel => "document.cancel",
    }
}

/// Takes a step of the outgoing flow on document `id`, deciding again on the locked row. An
/// issue with the seal checks the leader's signature first (outside the transaction: the check
/// may fetch revocation data and keep it), then signs inside the issuing transaction, once the
/// number is taken; a sealed file put in the object store is removed again when the issue
/// fails.
pub async fn act(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: ActInput,
) -> Result<Outcome, AppError> {
    let seal = if input.action == OutgoingAction::Issue && input.seal {
        Some(plan_seal(state, who, id).await?)
    } else {
        None
    };
    let sealing = match &seal {
        Some(plan) => Sealing::Here(plan),
        None => Sealing::Paper,
    };
    let mut stored: Vec<String> = Vec::new();
    let result = act_in(state, who, id, input, sealing, &mut stored).await;
    if result.is_err() {
        let keys: Vec<&str> = stored.iter().map(String::as_str).collect();
        tinhso_kernel::storage::discard(state.storage.as_ref(), &keys).await;
    }
    result
}

/// The role `who` takes `action` on `d` in; someone who cannot read it at all is told it does
/// not exist.
fn acting_role(
    who: &Who<'_>,
    d: &Document,
    action: OutgoingAction,
) -> Result<OutgoingRole, AppError> {
    DocumentPolicy::actor(who.user, d, action).map_err(|r| match r {
        Refusal::Forbidden if policy::roles(who.user, d).is_empty() => AppError::NotFound,
        other => other.into(),
    })
}

/// The role `who` issues `d` in (the document clerk), or 404/403.
pub(crate) fn issuer_role(who: &Who<'_>, d: &Document) -> Result<OutgoingRole, AppError> {
    acting_role(who, d, OutgoingAction::Issue)
}

/// How an issue applies the agency's seal.
#[derive(Clone, Copy)]
pub(crate) enum Sealing<'a> {
    /// None: the paper flow.
    Paper,
    /// The agency's key the server holds (its HSM, or its software key) signs now.
    Here(&'a SealPlan),
    /// The seal made by a desk token or a remote provider, on the number reserved for it.
    Done(&'a crate::deferred_seal::SealedElsewhere),
}

/// Issues document `id` with the seal a desk token or a remote provider made on its reserved
/// number (the completion of [`crate::deferred_seal`]): the same decisions as [`act`]'s issue,
/// on the locked row.
pub(crate) async fn issue_sealed_elsewhere(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    sealed: &crate::deferred_seal::SealedElsewhere,
    stored: &mut Vec<String>,
) -> Result<Outcome, AppError> {
    let input = ActInput {
        action: OutgoingAction::Issue,
        note: String::new(),
        signer_position: None,
        signer_full_name: None,
        authority_prefix: None,
        confirm: false,
        seal: true,
    };
    act_in(state, who, id, input, Sealing::Done(sealed), stored).await
}

async fn act_in(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    input: ActInput,
    sealing: Sealing<'_>,
    stored: &mut Vec<String>,
) -> Result<Outcome, AppError> {
    let mut tx = state.db.begin().await?;
    let d = store::for_update(&state.db, &mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let role = acting_role(who, &d, input.action)?;
    let from = d.outgoing_state().ok_or(AppError::NotFound)?;
    let to = outgoing::transition(from, input.action, role)
        .map_err(|e| AppError::Conflict(e.to_string()))?;
    let now = tinhso_kernel::time::now_text();
    let mut outcome = Outcome::default();
    let mut after = json!({ "from": from.as_str(), "to": to.as_str(), "note": input.note.trim() });
    // A number reserved for a seal still to come from a desk token or a phone.
    let reserved =
        crate::deferred_seal::reserved_for(state, &mut tx, who, &d, input.action, sealing, &now)
            .await?;
    match input.action {
        OutgoingAction::Submit => {
            if store::next_version(&mut tx, id).await? == 1 {
                return Err(AppError::validation(
                    "file",
                    "Chưa có dự thảo: hãy tải lên tệp văn bản (PDF hoặc DOCX) trước khi trình.",
                ));
            }
            store::set_state(&mut tx, id, to.as_str(), &now).await?;
        }
        OutgoingAction::Sign => {
            let position = input
                .signer_position
                .clone()
                .unwrap_or_else(|| d.signer_position.clone());
            let full_name = input
                .signer_full_name
                .clone()
                .unwrap_or_else(|| d.signer_full_name.clone());
            let prefix = match input.authority_prefix.as_deref() {
                Some(p) => authority_prefix(Some(p))?,
                None => authority_prefix(d.authority_prefix.as_deref())?,
            };
            let recipients = store::recipients_in(&mut tx, id).await?.len();
            outgoing_errors(
                &d.subject,
                &position,
                &full_name,
                recipients,
                d.page_amount as u32,
                d.issued_amount as u32,
                &d.description,
            )?;
            store::set_signer(
                &mut tx,
                id,
                position.trim(),
                full_name.trim(),
                prefix.map(|p| p.as_str()),
            )
            .await?;
            store::set_state(&mut tx, id, to.as_str(), &now).await?;
            after["signer"] =
                json!({ "position": position.trim(), "prefix": prefix.map(|p| p.abbreviation()) });
        }
        OutgoingAction::Issue => {
            let issued = issue(
                state,
                &mut tx,
                who,
                &d,
                &now,
                sealing,
                reserved.as_ref(),
                stored,
            )
            .await?;
            after["number"] = json!(issued.number);
            after["delivered"] = json!(issued.delivered);
            if let Some((version, serial)) = &issued.sealed {
                after["sealed"] = json!({
                    "version": version.version,
                    "sha256": version.sha256,
                    "certificate_serial": serial,
                });
            }
            if !issued.appendices.is_empty() {
                after["appendices"] = json!(issued.appendices);
            }
            outcome.delivered = issued.delivered;
        }
        OutgoingAction::Recall => {
            let copies = store::copies(&mut tx, id).await?;
            let states: Vec<IncomingState> =
                copies.iter().filter_map(|(_, s)| s.parse().ok()).collect();
            if let Some(warning) = outgoing::recall_warning(&states)
                && !input.confirm
            {
                return Err(AppError::Conflict(warning.to_string()));
            }
            let mut withdrawn = Vec::new();
            for (copy, s) in &copies {
                let Ok(s) = s.parse::<IncomingState>() else {
                    continue;
                };
                if let Ok(next) =
                    incoming::transition(s, IncomingAction::Recall, IncomingRole::Clerk)
                {
                    store::set_state(&mut tx, copy, next.as_str(), &now).await?;
                    // The recipient's units stop, with the recall as the reason.
                    crate::assignments::on_recall(state, &mut tx, &who.actor, copy, &now).await?;
                    withdrawn.push(copy.clone());
                }
            }
            store::set_state(&mut tx, id, to.as_str(), &now).await?;
            // Recipients on other platforms are asked to withdraw theirs (edXML status 13).
            let exchanged = crate::exchange::recall::request(state, &mut tx, &d, &now).await?;
            if !exchanged.is_empty() {
                after["exchange"] = json!(exchanged);
            }
            emit(
                state,
                &mut tx,
                NewEvent {
                    kind: &events::RECALLED,
                    aggregate_id: id,
                    payload: json!({ "document_id": id, "agency_id": d.agency_id, "copies": withdrawn }),
                    actor: &who.actor,
                },
            )
            .await?;
            after["copies"] = json!(withdrawn);
        }
        OutgoingAction::Replace => {
            return Err(AppError::Conflict(
                "Văn bản được thay thế khi văn bản thay thế được ban hành: hãy soạn văn bản mới ghi văn bản bị thay thế (Replaces).".into(),
            ));
        }
        _ => store::set_state(&mut tx, id, to.as_str(), &now).await?,
    }
    // Leaving the states it may be signed in: a signing session still waiting on it (a phone
    // not yet confirmed, a desk token not yet used) has nothing left to sign.
    let mut ended = tinhso_kernel::signing::EndedSessions::default();
    if outgoing::is_signable(from) && !outgoing::is_signable(to) {
        let reason = signing_ended_by(input.action);
        let completing = match sealing {
            Sealing::Done(sealed) => Some(sealed.signed.session_id.as_str()),
            _ => None,
        };
        ended = end_signing(state, &mut tx, &who.actor, id, completing, reason).await?;
        if !ended.sessions.is_empty() {
            after["signing_sessions_cancelled"] = json!(ended.sessions);
        }
    }
    audit::record(
        &state.db,
        &mut tx,
        &who.actor,
        Change {
            action: audit_action(input.action),
            entity_type: "document",
            entity_id: id,
            before: json!({ "state": from.as_str() }),
            after,
        },
    )
    .await?;
    tx.commit().await?;
    ended.settle(state).await;
    tinhso_kernel::events::committed(state);
    Ok(outcome)
}

/// What issuing did: the number as printed, the incoming rows delivered, and the sealed
/// version with the agency certificate's serial when the seal was applied.
struct IssuedDoc {
    number: String,
    delivered: Vec<String>,
    sealed: Option<(Version, String)>,
    /// The appendices the agency signed, as `document.issue` records them.
    appendices: Vec<serde_json::Value>,
}

/// Issues approved document `d`: the next number of the agency's register for its sequence and
/// year, its number and notation, with `seal` the agency's signature on the leader-signed PDF
/// (a new version, which the recipients get), then the delivery to every recipient agency on
/// the platform (an incoming row each, with the next arrival number of its own register).
/// With `seal`, each appendix in a separate file gets the agency's signature too
/// ([`crate::appendices::seal`]); the recipients' copies carry the appendices delivered.
/// Every object put in the store is pushed on `stored`, for the caller to remove on failure.
#[allow(clippy::too_many_arguments)]
async fn issue(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    now: &str,
    sealing: Sealing<'_>,
    reserved: Option<&store::reservations::Reservation>,
    stored: &mut Vec<String>,
) -> Result<IssuedDoc, AppError> {
    let recipients = store::recipients_in(tx, &d.id).await?;
    let numbered = match reserved {
        Some(r) => Numbered::reserved(r)?,
        None => number_for(tx, d).await?,
    };
    let (doc_number, day) = (&numbered.doc_number, numbered.day);
    let code_number = doc_number.code_number();
    let code_notation = doc_number.code_notation();
    let issued_date = day.to_string();
    store::set_issued(
        tx,
        &d.id,
        &store::Issued {
            sequence: &numbered.sequence,
            year: numbered.year,
            number: numbered.number,
            code_number: &code_number,
            code_notation: &code_notation,
            issued_date: &issued_date,
            state: OutgoingState::Issued.as_str(),
            now,
        },
    )
    .await?;
    let sealed = match sealing {
        Sealing::Here(plan) => Some(
            apply_seal(
                state,
                tx,
                who,
                d,
                plan,
                &doc_number.to_string(),
                day,
                stored,
            )
            .await?,
        ),
        Sealing::Done(sealed) => {
            Some(crate::deferred_seal::keep(state, tx, who, d, sealed, stored).await?)
        }
        Sealing::Paper => None,
    };
    let appendices = match sealing {
        Sealing::Here(plan) => {
            crate::appendices::seal(
                state,
                tx,
                who,
                d,
                &plan.appendices,
                &doc_number.to_string(),
                stored,
            )
            .await?
        }
        _ => Vec::new(),
    };
    deliver_issued(
        state,
        tx,
        who,
        d,
        now,
        &numbered,
        &recipients,
        sealed,
        appendices,
    )
    .await
}

/// A number taken for an issue: the register's sequence, year and number, the number and
/// notation, and the issue date.
pub(crate) struct Numbered {
    pub sequence: String,
    pub year: i64,
    pub number: i64,
    pub doc_number: DocNumber,
    pub day: NaiveDate,
}

impl Numbered {
    /// The number `r` reserved earlier.
    fn reserved(r: &store::reservations::Reservation) -> Result<Numbered, AppError> {
        let internal = |e: String| AppError::Internal(anyhow::anyhow!("reservation {}: {e}", r.id));
        Ok(Numbered {
            sequence: r.sequence.clone(),
            year: r.year,
            number: r.number,
            doc_number: format!("{}/{}", r.code_number, r.code_notation)
                .parse()
                .map_err(|e: tinhso_domain::official_doc::notation::NotationError| {
                    internal(e.to_string())
                })?,
            day: r
                .issued_date
                .parse()
                .map_err(|e: chrono::ParseError| internal(e.to_string()))?,
        })
    }
}

/// Checks that `d` may be issued (its metadata, the issuer's and the drafting unit's
/// abbreviations) and takes the next number of the agency's register for its sequence and
/// year, in `tx`.
pub(crate) async fn number_for(
    tx: &mut tinhso_kernel::db::Conn,
    d: &Document,
) -> Result<Numbered, AppError> {
    let recipients = store::recipients_in(tx, &d.id).await?;
    outgoing_errors(
        &d.subject,
        &d.signer_position,
        &d.signer_full_name,
        recipients.len(),
        d.page_amount as u32,
        d.issued_amount as u32,
        &d.description,
    )?;
    let issuer_code: AgencyCode = d
        .organ_id
        .parse()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("bad issuer code {}", d.organ_id)))?;
    let issuer_abbreviation = store::abbreviation_in(tx, &d.agency_id)
        .await?
        .and_then(|a| Abbreviation::new(&a).ok())
        .ok_or_else(|| {
            AppError::validation(
                "OrganId",
                "Cơ quan ban hành chưa có chữ viết tắt dùng trong ký hiệu văn bản.",
            )
        })?;
    let unit_abbreviation = match d.drafting_unit_id.as_deref() {
        Some(unit) => store::abbreviation_in(tx, unit)
            .await?
            .and_then(|a| Abbreviation::new(&a).ok()),
        None => None,
    };
    let unit_part = unit_for_notation(d.doc_type, unit_abbreviation.as_ref())?;
    let day = today();
    let key = NumberingKey::for_document(issuer_code, day, d.doc_type, &NumberingPolicy::default());
    let sequence = key.sequence.key();
    let year = i64::from(key.year);
    let number = store::take_number(tx, &d.agency_id, Direction::Out, &sequence, year).await?;
    let doc_number = DocNumber::outgoing(
        d.doc_type,
        u32::try_from(number).map_err(|e| AppError::Internal(e.into()))?,
        &issuer_abbreviation,
        unit_part,
    )
    .map_err(|e| AppError::validation("CodeNotation", e.to_string()))?;
    Ok(Numbered {
        sequence,
        year,
        number,
        doc_number,
        day,
    })
}

/// Delivers issued document `d` (numbered `n`) to every recipient agency on the platform and
/// queues the others, replaces the original it replaces, and emits `ISSUED`.
#[allow(clippy::too_many_arguments)]
async fn deliver_issued(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    now: &str,
    n: &Numbered,
    recipients: &[store::Recipient],
    sealed: Option<(Version, String)>,
    appendices: Vec<serde_json::Value>,
) -> Result<IssuedDoc, AppError> {
    let (doc_number, day, year) = (&n.doc_number, n.day, n.year);
    let code_number = doc_number.code_number();
    let code_notation = doc_number.code_notation();
    let issued_date = day.to_string();
    let file = store::versions_in(tx, &d.id).await?.pop();
    let duplicate = incoming::duplicate_key(doc_number, &d.organ_id, day.year());
    let folded = tinhso_domain::text::fold(&d.subject);
    let mut delivered = Vec::new();
    for r in recipients.iter() {
        let Some(agency_id) = r.agency_id.as_deref() else {
            continue;
        };
        let incoming_id = uuid::Uuid::now_v7().to_string();
        let arrival = store::take_number(tx, agency_id, Direction::In, "arrival", year).await?;
        store::insert_document(
            tx,
            &NewDocument {
                id: &incoming_id,
                agency_id,
                direction: Direction::In,
                state: IncomingState::Registered.as_str(),
                doc_type: d.doc_type.as_str(),
                urgency: d.urgency.as_str(),
                subject: &d.subject,
                subject_folded: &folded,
                drafting_unit_id: None,
                drafter_id: None,
                signer_position: &d.signer_position,
                signer_full_name: &d.signer_full_name,
                authority_prefix: d.authority_prefix.as_deref(),
                page_amount: d.page_amount,
                issued_amount: d.issued_amount,
                description: "",
                due_date: d.due_date.as_deref(),
                code_number: Some(&code_number),
                code_notation: Some(&code_notation),
                issued_date: Some(&issued_date),
                organ_id: &d.organ_id,
                organ_name: &d.organ_name,
                register: Some(("arrival", year, arrival)),
                arrival_date: Some(&issued_date),
                source: Some("platform"),
                origin_id: Some(&d.id),
                duplicate_key: Some(&duplicate),
                created_by: None,
                now,
            },
        )
        .await?;
        if let Some(f) = &file {
            // The same stored object: the copy points to it, nothing is copied.
            let copy = Version {
                id: uuid::Uuid::now_v7().to_string(),
                version: 1,
                created_at: now.to_owned(),
                ..f.clone()
            };
            store::insert_version(tx, &incoming_id, &copy, None).await?;
            crate::texts::copy(tx, (&d.id, f.version), (&incoming_id, 1)).await?;
        }
        crate::appendices::copy_to(tx, &d.id, &incoming_id, now).await?;
        store::mark_delivered(tx, &r.id, &incoming_id, now).await?;
        emit(
            state,
            tx,
            NewEvent {
                kind: &events::RECEIVED,
                aggregate_id: &incoming_id,
                payload: json!({
                    "document_id": incoming_id,
                    "agency_id": agency_id,
                    "origin_id": d.id,
                    "source": "platform",
                    "arrival_number": arrival,
                    "arrival_year": year,
                }),
                actor: &who.actor,
            },
        )
        .await?;
        delivered.push(incoming_id);
    }
    // Outside recipients a peer speaks for: their packages go from the job queue.
    let issued_now = Document {
        code_number: Some(code_number.clone()),
        code_notation: Some(code_notation.clone()),
        issued_date: Some(issued_date.clone()),
        ..d.clone()
    };
    crate::exchange::deliver::queue_for_issued(state, tx, &issued_now, now).await?;
    let replaced = replace_original(state, tx, who, d, now).await?;
    let dossier_code = store::dossier_code_in(tx, &d.id).await?;
    emit(
        state,
        tx,
        NewEvent {
            kind: &events::ISSUED,
            aggregate_id: &d.id,
            payload: json!({
                "document_id": d.id,
                "agency_id": d.agency_id,
                "code_number": code_number,
                "code_notation": code_notation,
                "issued_date": issued_date,
                "delivered": delivered,
                "dossier_code": dossier_code,
                "replaces": replaced,
                "file": file.as_ref().map(|f| json!({
                    "storage_key": f.storage_key,
                    "file_name": f.file_name,
                    "media_type": f.media_type,
                    "size_bytes": f.size_bytes,
                    "sha256": f.sha256,
                })),
            }),
            actor: &who.actor,
        },
    )
    .await?;
    Ok(IssuedDoc {
        number: doc_number.to_string(),
        delivered,
        sealed,
        appendices,
    })
}

/// The version the seal goes on, checked before the issuing transaction: the latest version,
/// a PDF, and its bytes.
pub struct SealPlan {
    pub(crate) latest: Version,
    pub(crate) pdf: bytes::Bytes,
    /// The appendices in separate files, each signed by the agency too.
    pub(crate) appendices: Vec<crate::appendices::Planned>,
}

/// Why the seal is refused on a version without a valid signature of the approving leader.
const NOT_SIGNED_BY_LEADER: &str = "Chỉ đóng dấu số (chữ ký số của cơ quan) trên văn bản đã được người có thẩm quyền ký số: bản mới nhất của văn bản chưa có chữ ký số hợp lệ của lãnh đạo cơ quan ban hành. Hãy để lãnh đạo ký số, hoặc ban hành không đóng dấu số (bản giấy).";

/// Checks, before issuing with the seal, that `who` may issue document `id` and that its
/// latest version is a PDF carrying a valid signature (TOTAL-PASSED in the platform's own
/// check) of a leader of the issuing agency — the competent person (Decree 30 Art. 13) — and
/// no signature that is not valid. 404 for someone who may not read it, 403 for a reader who
/// may not issue, 409 with the reason otherwise.
pub(crate) async fn plan_seal(state: &Ctx, who: &Who<'_>, id: &str) -> Result<SealPlan, AppError> {
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.direction != Direction::Out {
        return Err(AppError::NotFound);
    }
    DocumentPolicy::actor(who.user, &d, OutgoingAction::Issue).map_err(|r| match r {
        Refusal::Forbidden if policy::roles(who.user, &d).is_empty() => AppError::NotFound,
        other => other.into(),
    })?;
    let latest = store::versions(&state.db, id)
        .await?
        .into_iter()
        .max_by_key(|v| v.version)
        .ok_or_else(|| AppError::Conflict(NOT_SIGNED_BY_LEADER.into()))?;
    if latest.media_type != "application/pdf" {
        return Err(AppError::Conflict(NOT_SIGNED_BY_LEADER.into()));
    }
    let pdf = tinhso_kernel::storage::get(state.storage.as_ref(), &latest.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    if state.pdf_signer.is_none() {
        return Err(AppError::Conflict(
            "Nền tảng chưa bật chức năng ký số.".into(),
        ));
    }
    let checks = match state.check_signatures(pdf.clone()).await {
        None => {
            return Err(AppError::Conflict(
                "Nền tảng chưa bật chức năng ký số.".into(),
            ));
        }
        // A file the checker cannot read carries no valid signature.
        Some(Err(AppError::Validation(_))) => Vec::new(),
        Some(checked) => checked?,
    };
    let mut by_leader = false;
    for check in &checks {
        if check.indication != "TOTAL-PASSED" {
            return Err(AppError::Conflict(NOT_SIGNED_BY_LEADER.into()));
        }
        if let Some(tinhso_kernel::signing::Holder::Person(user_id)) = &check.holder
            && let Some(user) = tinhso_kernel::auth::session::load_user(&state.db, user_id).await?
        {
            by_leader |= policy::roles(&user, &d).contains(&OutgoingRole::Signer);
        }
    }
    if !by_leader {
        return Err(AppError::Conflict(NOT_SIGNED_BY_LEADER.into()));
    }
    let appendices = crate::appendices::plan(state, id).await?;
    Ok(SealPlan {
        latest,
        pdf,
        appendices,
    })
}

/// The name of the sealed copy of `file_name`: `<stem>.issued.pdf` (a `.signed` stem loses it).
pub(crate) fn sealed_name(file_name: &str) -> String {
    let stem = file_name
        .strip_suffix(".pdf")
        .or_else(|| file_name.strip_suffix(".PDF"))
        .unwrap_or(file_name);
    let stem = stem.strip_suffix(".signed").unwrap_or(stem);
    format!("{stem}.issued.pdf")
}

/// The agency's signature on `plan`'s version of `d`, in the issuing transaction once the
/// number is known: the version must still be the latest one checked; the agency's certificate
/// signs (PAdES B-T, an incremental update after the leader's) with a visible stamp in the last
/// page's bottom margin carrying the agency, the number and notation, the issue date and the
/// signing time; the file is stored as a new version and the signing audited in `tx`. Returns
/// the version and the certificate's serial.
#[allow(clippy::too_many_arguments)]
async fn apply_seal(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    plan: &SealPlan,
    number: &str,
    day: NaiveDate,
    stored: &mut Vec<String>,
) -> Result<(Version, String), AppError> {
    let latest = store::versions_in(tx, &d.id).await?.pop();
    if latest.as_ref().map(|v| (v.version, v.sha256.as_str()))
        != Some((plan.latest.version, plan.latest.sha256.as_str()))
    {
        return Err(AppError::Conflict(
            "Văn bản vừa thay đổi trong lúc đóng dấu số: hãy tải lại trang và ban hành lại.".into(),
        ));
    }
    let signed = state
        .sign_pdf(seal_request(who, d, plan.pdf.clone(), number, day))
        .await
        .ok_or_else(|| AppError::Conflict("Nền tảng chưa bật chức năng ký số.".into()))??;
    let file = IncomingFile {
        field_key: "file".into(),
        file_name: sealed_name(&plan.latest.file_name),
        media_type: "application/pdf",
        bytes: bytes::Bytes::from(signed.pdf.clone()),
    };
    let mut version = put(state, &d.id, &file).await?;
    stored.push(version.storage_key.clone());
    insert_next_version(tx, &d.id, &mut version, Some(&who.user.id)).await?;
    signed.record_audit(&state.db, tx).await?;
    Ok((version, signed.serial))
}

/// The agency's signature on `pdf`, the issue of `d` as `number` on `day`: a visible stamp by
/// the leader's signature carrying the agency, the number and notation, the issue date and the
/// signing time.
pub(crate) fn seal_request(
    who: &Who<'_>,
    d: &Document,
    pdf: bytes::Bytes,
    number: &str,
    day: NaiveDate,
) -> tinhso_kernel::signing::SignRequest {
    let signing_time = tinhso_kernel::time::local_now()
        .format("%Y-%m-%dT%H:%M:%S+07:00")
        .to_string();
    tinhso_kernel::signing::SignRequest {
        signer: tinhso_kernel::signing::SignAs::Agency(d.agency_id.clone()),
        actor: who.actor.clone(),
        entity_type: "document",
        entity_id: d.id.clone(),
        pdf,
        reason: Some(format!("Ban hành văn bản số {number}")),
        location: None,
        stamp: Some(tinhso_kernel::signing::StampRequest {
            place: tinhso_kernel::signing::StampPlace::SealOverSigner,
            lines: vec![
                d.organ_name.clone(),
                format!("Số, ký hiệu: {number}"),
                format!("Ngày ban hành: {}", day.format("%d/%m/%Y")),
                format!("Thời gian ký: {signing_time}"),
            ],
        }),
    }
}

/// Marks the document `d` replaces as replaced, in `d`'s issuing transaction, once it is
/// numbered: the original's row is locked and must still be issued or sent (recalled or
/// replaced meanwhile, the issue is refused and nothing is applied). Its metadata stays as it
/// was issued. Returns the original's id.
async fn replace_original(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    who: &Who<'_>,
    d: &Document,
    now: &str,
) -> Result<Option<String>, AppError> {
    let Some(old_id) = store::replaces_in(tx, &d.id).await? else {
        return Ok(None);
    };
    let old = store::for_update(&state.db, tx, &old_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let from = old.outgoing_state().ok_or(AppError::NotFound)?;
    let to = outgoing::transition(from, OutgoingAction::Replace, OutgoingRole::Clerk).map_err(|_| {
        AppError::Conflict(
            "Văn bản bị thay thế đã bị thu hồi hoặc thay thế trước đó; không ban hành văn bản thay thế này được."
                .into(),
        )
    })?;
    store::set_state(tx, &old_id, to.as_str(), now).await?;
    emit(
        state,
        tx,
        NewEvent {
            kind: &events::REPLACED,
            aggregate_id: &old_id,
            payload: json!({ "document_id": old_id, "agency_id": old.agency_id, "replacement_id": d.id }),
            actor: &who.actor,
        },
    )
    .await?;
    audit::record(
        &state.db,
        tx,
        &who.actor,
        Change {
            action: "document.replace",
            entity_type: "document",
            entity_id: &old_id,
            before: json!({ "state": from.as_str() }),
            after: json!({ "state": to.as_str(), "replacement": d.id }),
        },
    )
    .await?;
    Ok(Some(old_id))
}

/// An incoming document registered by the clerk from paper, email or a scan.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// Number and notation as printed (`15/QĐ-UBND`).
    pub code_number: String,
    pub organ_id: Option<String>,
    pub organ_name: String,
    pub subject: String,
    pub type_name: Option<String>,
    pub priority: Option<u8>,
    pub secrecy: Option<String>,
    pub issued_date: Option<String>,
    pub arrival_date: Option<String>,
    pub source: Option<String>,
    pub page_amount: Option<u32>,
    pub description: String,
    pub due_date: Option<String>,
    /// Register although a document with the same number, notation and issuer is registered.
    pub confirm_duplicate: bool,
}

/// A registration done.
#[derive(Debug, Clone)]
pub struct Registered {
    pub id: String,
    /// The earlier registration of the same document, when the clerk confirmed anyway.
    pub duplicate_of: Option<String>,
}

/// Registers an incoming document in the clerk's agency, with the next arrival number of the
/// year. A document already registered (same number, notation and issuer in the same year) is
/// refused with a warning (409) unless the clerk confirms.
pub async fn register_incoming(
    state: &Ctx,
    who: &Who<'_>,
    arrival: Arrival,
    file: Option<&IncomingFile>,
) -> Result<Registered, AppError> {
    if !policy::keeps_incoming(who.user, true) {
        return Err(AppError::Forbidden);
    }
    let agency_id = who.user.agency_id.clone().ok_or(AppError::Forbidden)?;
    refuse_secret(arrival.secrecy.as_deref())?;
    let urgency = urgency(arrival.priority)?;
    let arrival_date = date("ArrivalDate", arrival.arrival_date.as_deref())?.unwrap_or_else(today);
    let issued_date = date("IssuedDate", arrival.issued_date.as_deref())?;
    let due = date("DueDate", arrival.due_date.as_deref())?;
    let (number, errors) = check_incoming(&IncomingMetadata {
        number: &arrival.code_number,
        organ_name: &arrival.organ_name,
        subject: &arrival.subject,
        issued_date,
        arrival_date,
        page_amount: arrival.page_amount,
        description: &arrival.description,
    });
    if !errors.is_empty() {
        return Err(field_errors(errors));
    }
    let (Some(number), Some(issued_date)) = (number, issued_date) else {
        return Err(AppError::validation(
            "CodeNumber",
            "Thông tin này là bắt buộc.",
        ));
    };
    let doc_type = match arrival
        .type_name
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(t) => {
            let t = parse_type(t).ok_or_else(|| {
                AppError::validation("TypeName", "Chọn một trong 29 loại văn bản hành chính.")
            })?;
            number
                .notation
                .check_for(t)
                .map_err(|e| AppError::validation("CodeNumber", e.to_string()))?;
            t
        }
        None => number
            .notation
            .doc_type()
            .unwrap_or(DocType::OfficialLetter),
    };
    let source = match arrival.source.as_deref().map(str::trim).unwrap_or("paper") {
        "" | "paper" => "paper",
        "email" => "email",
        "scan" => "scan",
        _ => {
            return Err(AppError::validation(
                "Source",
                "Nguồn văn bản đến là paper, email hoặc scan.",
            ));
        }
    };
    if let Some(f) = file {
        crate::texts::check_incoming_file(f, source)?;
    }
    let organ_id = arrival
        .organ_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    if let Some(code) = &organ_id
        && code.parse::<AgencyCode>().is_err()
    {
        return Err(AppError::validation(
            "OrganId",
            "Mã định danh cơ quan có dạng 000.00.14.H56.",
        ));
    }
    let issuer_key = organ_id
        .clone()
        .unwrap_or_else(|| arrival.organ_name.trim().to_owned());
    let key = incoming::duplicate_key(&number, &issuer_key, issued_date.year());
    let id = uuid::Uuid::now_v7().to_string();
    let text_plan = match file {
        Some(f) => Some(crate::texts::plan(f).await),
        None => None,
    };
    let mut version = match file {
        Some(f) => Some(put(state, &id, f).await?),
        None => None,
    };
    let result = async {
        let mut tx = state.db.begin().await?;
        let earlier = store::duplicate(&mut tx, &agency_id, &key).await?;
        if let Some((_, n, y)) = &earlier
            && !arrival.confirm_duplicate
        {
            let n = n.unwrap_or_default();
            let y = y.unwrap_or_default();
            return Err(AppError::Conflict(format!(
                "Văn bản {number} của {} đã được vào sổ văn bản đến, số đến {n}/{y}. Nếu đây đúng là một văn bản khác, hãy xác nhận để đăng ký (ConfirmDuplicate).",
                arrival.organ_name.trim()
            )));
        }
        let year = i64::from(arrival_date.year());
        let arrival_number =
            store::take_number(&mut tx, &agency_id, Direction::In, "arrival", year).await?;
        let now = tinhso_kernel::time::now_text();
        let subject = arrival.subject.trim();
        let folded = tinhso_domain::text::fold(subject);
        let code_number = number.code_number();
        let code_notation = number.code_notation();
        let issued_text = issued_date.to_string();
        let arrival_text = arrival_date.to_string();
        let due_text = due.map(|d| d.to_string());
        store::insert_document(
            &mut tx,
            &NewDocument {
                id: &id,
                agency_id: &agency_id,
                direction: Direction::In,
                state: IncomingState::Registered.as_str(),
                doc_type: doc_type.as_str(),
                urgency: urgency.as_str(),
                subject,
                subject_folded: &folded,
                drafting_unit_id: None,
                drafter_id: None,
                signer_position: "",
                signer_full_name: "",
                authority_prefix: None,
                page_amount: i64::from(amount(arrival.page_amount)),
                issued_amount: 1,
                description: arrival.description.trim(),
                due_date: due_text.as_deref(),
                code_number: Some(&code_number),
                code_notation: Some(&code_notation),
                issued_date: Some(&issued_text),
                organ_id: organ_id.as_deref().unwrap_or_default(),
                organ_name: arrival.organ_name.trim(),
                register: Some(("arrival", year, arrival_number)),
                arrival_date: Some(&arrival_text),
                source: Some(source),
                origin_id: None,
                duplicate_key: Some(&key),
                created_by: Some(&who.user.id),
                now: &now,
            },
        )
        .await?;
        if let Some(v) = version.as_mut() {
            v.version = 1;
            store::insert_version(&mut tx, &id, v, Some(&who.user.id)).await?;
            if let Some(plan) = &text_plan {
                crate::texts::record(&mut tx, &id, v.version, plan).await?;
            }
        }
        audit::record(
            &state.db,
            &mut tx,
            &who.actor,
            Change {
                action: "document.register",
                entity_type: "document",
                entity_id: &id,
                before: json!(null),
                after: json!({
                    "number": number.to_string(),
                    "organ": issuer_key,
                    "arrival_number": arrival_number,
                    "source": source,
                    "duplicate_of": earlier.as_ref().map(|e| &e.0),
                }),
            },
        )
        .await?;
        emit(
            state,
            &mut tx,
            NewEvent {
                kind: &events::RECEIVED,
                aggregate_id: &id,
                payload: json!({
                    "document_id": id,
                    "agency_id": agency_id,
                    "origin_id": null,
                    "source": source,
                    "arrival_number": arrival_number,
                    "arrival_year": year,
                }),
                actor: &who.actor,
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(earlier.map(|e| e.0))
    }
    .await;
    match result {
        Ok(duplicate_of) => {
            tinhso_kernel::events::committed(state);
            Ok(Registered { id, duplicate_of })
        }
        Err(e) => {
            if let Some(v) = &version {
                discard(state, v).await;
            }
            Err(e)
        }
    }
}

/// Whether `user` may sign `d`'s PDF digitally now: the competent person — a leader of the
/// issuing agency, who takes the `sign` step (Decree 30 Art. 13) — while the document awaits
/// approval or is approved and not yet issued (design §3: the leader signs the approved version;
/// the agency signature comes at issue).
pub fn may_sign_digitally(user: &User, d: &Document) -> bool {
    d.outgoing_state().is_some_and(outgoing::is_signable)
        && policy::roles(user, d).contains(&OutgoingRole::Signer)
}

/// Why a signing session still waiting on a document ends when `action` takes it out of the
/// states it may be signed in (the session's page and API say it).
fn signing_ended_by(action: OutgoingAction) -> &'static str {
    match action {
        OutgoingAction::ReturnForRevision => {
            "Văn bản đã được trả lại để chỉnh sửa nên phiên ký này đã bị hủy: văn bản chưa được ký."
        }
        OutgoingAction::Issue => {
            "Văn bản đã được ban hành nên phiên ký này đã bị hủy: văn bản chưa được ký bằng phiên này."
        }
        _ => "Văn bản đã chuyển sang bước khác nên phiên ký này đã bị hủy: văn bản chưa được ký.",
    }
}

/// Why the other waiting sessions end when a signed version is kept.
const SIGNED_ANOTHER_WAY: &str = "Văn bản vừa được ký số thành phiên bản mới bằng cách khác nên phiên ký này đã bị hủy: nếu cần ký thêm, hãy bắt đầu phiên ký mới.";

/// Ends, in `tx`, the signing sessions waiting on document `id` (but `except`), with `reason`.
pub(crate) async fn end_signing(
    state: &Ctx,
    tx: &mut tinhso_kernel::db::Conn,
    actor: &Actor,
    id: &str,
    except: Option<&str>,
    reason: &str,
) -> Result<tinhso_kernel::signing::EndedSessions, AppError> {
    let ended = state
        .end_signing_sessions(
            tx,
            tinhso_kernel::signing::EndSigning {
                entity_type: "document",
                entity_id: id,
                except,
                reason,
                actor,
            },
        )
        .await?;
    // A number reserved for the agency's seal those sessions would have brought is not used.
    crate::deferred_seal::release_pending(state, tx, actor, id, reason).await?;
    Ok(ended)
}

/// The name of a signed copy of `file_name`: `<stem>.signed.pdf`.
fn signed_name(file_name: &str) -> String {
    let stem = file_name
        .strip_suffix(".pdf")
        .or_else(|| file_name.strip_suffix(".PDF"))
        .unwrap_or(file_name);
    format!("{stem}.signed.pdf")
}
/// The leader's visible signature (Decree 30 Appendix I: who signs, as what, when), in the
/// last page's bottom margin; the position is the document's when this leader is the planned
/// signer.
fn leader_stamp(user: &User, d: &Document) -> tinhso_kernel::signing::StampRequest {
    let mut lines = vec![format!("Ký bởi: {}", user.full_name.trim())];
    let position = d.signer_position.trim();
    if !position.is_empty() && d.signer_full_name.trim() == user.full_name.trim() {
        lines.push(position.to_owned());
    }
    lines.push(d.organ_name.clone());
    let time = tinhso_kernel::time::local_now().format("%Y-%m-%dT%H:%M:%S+07:00");
    lines.push(format!("Thời gian ký: {time}"));
    tinhso_kernel::signing::StampRequest {
        place: tinhso_kernel::signing::StampPlace::LastPageBottomRight,
        lines,
    }
}

/// What the approving leader signs: the document and its latest version, a PDF, with its bytes.
/// 404 for someone who may not read it, 403 for a reader who may not sign, 409 when the state
/// or the file does not allow it.
async fn signable(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
) -> Result<(Document, Version, bytes::Bytes), AppError> {
    let d = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if d.direction != Direction::Out {
        return Err(AppError::NotFound);
    }
    if !may_sign_digitally(who.user, &d) {
        return Err(
            if policy::roles(who.user, &d).contains(&OutgoingRole::Signer) {
                AppError::Conflict(
                    "Chỉ ký số được văn bản đang chờ duyệt hoặc đã duyệt, chưa ban hành.".into(),
                )
            } else {
                AppError::Forbidden
            },
        );
    }
    let latest = store::versions(&state.db, id)
        .await?
        .into_iter()
        .max_by_key(|v| v.version)
        .ok_or_else(|| AppError::Conflict("Văn bản chưa có tệp để ký số.".into()))?;
    if latest.media_type != "application/pdf" {
        return Err(AppError::Conflict(
            "Bản mới nhất của văn bản không phải PDF: chỉ ký số được tệp PDF.".into(),
        ));
    }
    let pdf = tinhso_kernel::storage::get(state.storage.as_ref(), &latest.storage_key)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((d, latest, pdf))
}

/// The signing request of the leader's signature on `d`.
fn leader_request(
    who: &Who<'_>,
    d: &Document,
    pdf: bytes::Bytes,
    location: Option<String>,
) -> tinhso_kernel::signing::SignRequest {
    tinhso_kernel::signing::SignRequest {
        signer: tinhso_kernel::signing::SignAs::Person(who.user.id.clone()),
        actor: who.actor.clone(),
        entity_type: "document",
        entity_id: d.id.clone(),
        pdf,
        reason: Some(format!("Ký duyệt văn bản: {}", d.subject.trim())),
        location,
        stamp: Some(leader_stamp(who.user, d)),
    }
}

/// Whose audit row says the file was signed: the signer's, as the signing port handed it back.
enum SignerAudit {
    Local(tinhso_kernel::signing::Signed),
    Remote(tinhso_kernel::signing::RemoteSigned),
}

/// Stores `signed` (the leader's signed copy of version `signed_from`) as the next version, in
/// one transaction with the signer's audit row and `document.sign_digitally`; refused when the
/// document changed meanwhile.
#[allow(clippy::too_many_arguments)]
async fn keep_signed(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    signed_from: &Version,
    signed: bytes::Bytes,
    serial: &str,
    remote: Option<serde_json::Value>,
    signer_audit: SignerAudit,
) -> Result<Version, AppError> {
    let file = IncomingFile {
        field_key: "file".into(),
        file_name: signed_name(&signed_from.file_name),
        media_type: "application/pdf",
        bytes: signed,
    };
    store_version(state, id, &file, |mut version| async move {
        let mut tx = state.db.begin().await?;
        let d = store::for_update(&state.db, &mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !may_sign_digitally(who.user, &d)
            || store::next_version(&mut tx, id).await? != signed_from.version + 1
        {
            return Err(AppError::Conflict(
                "Văn bản vừa thay đổi trong lúc ký: hãy tải lại trang và ký lại.".into(),
            ));
        }
        insert_next_version(&mut tx, id, &mut version, Some(&who.user.id)).await?;
        // The signer's own row (`signature.sign`) in the same transaction: no audit row says a
        // file was signed when it was not kept.
        let completing = match &signer_audit {
            SignerAudit::Local(signed) => {
                signed.record_audit(&state.db, &mut tx).await?;
                None
            }
            SignerAudit::Remote(signed) => {
                signed.record_audit(&state.db, &mut tx, "document").await?;
                Some(signed.session_id.as_str())
            }
        };
        // Other sessions waiting on the version just signed would sign a version that is no
        // longer the latest.
        let ended = end_signing(
            state,
            &mut tx,
            &who.actor,
            id,
            completing,
            SIGNED_ANOTHER_WAY,
        )
        .await?;
        audit::record(
            &state.db,
            &mut tx,
            &who.actor,
            Change {
                action: "document.sign_digitally",
                entity_type: "document",
                entity_id: id,
                before: json!({ "version": signed_from.version, "sha256": signed_from.sha256 }),
                after: json!({
                    "version": version.version,
                    "sha256": version.sha256,
                    "certificate_serial": serial,
                    "remote": remote,
                    "signing_sessions_cancelled": ended.sessions,
                }),
            },
        )
        .await?;
        tx.commit().await?;
        ended.settle(state).await;
        Ok(version)
    })
    .await
}

/// The approving leader signs the latest version of outgoing document `id` (a PDF) with their
/// own certificate (PAdES B-T, through the kernel's signing port): the signed file becomes a
/// new version; the unsigned one stays. 404 for someone who may not read it, 403 for a reader
/// who may not sign, 409 when the state, the file or the certificate does not allow it.
pub async fn sign_digitally(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    location: Option<String>,
) -> Result<Version, AppError> {
    let (d, latest, pdf) = signable(state, who, id).await?;
    let signed = state
        .sign_pdf(leader_request(who, &d, pdf, location))
        .await
        .ok_or_else(|| AppError::Conflict("Nền tảng chưa bật chức năng ký số.".into()))??;
    keep_signed(
        state,
        who,
        id,
        &latest,
        bytes::Bytes::from(signed.pdf.clone()),
        &signed.serial.clone(),
        None,
        SignerAudit::Local(signed),
    )
    .await
}

/// The job kind the signatures module runs when the leader confirmed a remote signing on their
/// phone ([`sign_remotely`]), or their desk token's signature came ([`sign_at_desk`]): the
/// signed file stored as [`sign_digitally`] stores it.
pub static REMOTE_SIGNED: tinhso_kernel::module::JobKind = tinhso_kernel::module::JobKind {
    name: "documents.remote_signed",
    run: |state, payload| Box::pin(remote_signed(state, payload)),
};

/// The approving leader asks a remote-signing provider (`provider`) to sign the latest version
/// of `id`: the same checks as [`sign_digitally`]; the session's page follows it, and
/// [`REMOTE_SIGNED`] stores the signed version once the leader confirms on their phone.
pub async fn sign_remotely(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    location: Option<String>,
    provider: &str,
) -> Result<tinhso_kernel::signing::RemoteStarted, AppError> {
    let (d, latest, pdf) = signable(state, who, id).await?;
    let title: String = format!("{} — {}", d.organ_name.trim(), d.subject.trim());
    state
        .start_remote_signing(tinhso_kernel::signing::RemoteSignRequest {
            request: leader_request(who, &d, pdf, location),
            operator: who.user.id.clone(),
            provider: provider.to_owned(),
            title,
            completion: REMOTE_SIGNED.name,
            ended: None,
            context: json!({ "version": latest.version }),
            return_to: format!("/office/documents/{id}"),
        })
        .await
        .ok_or_else(|| AppError::Conflict("Nền tảng chưa bật chức năng ký số.".into()))?
}

/// The approving leader signs the latest version of `id` with the USB token at their desk
/// (`tinhso desk-sign`): the same checks as [`sign_digitally`]; `certificate` is the token's
/// (PEM or base64 DER), checked by the signing module as theirs. The answer says what the
/// token signs; once the tool posts the signature, [`REMOTE_SIGNED`] stores the signed version
/// as for a remote signing.
pub async fn sign_at_desk(
    state: &Ctx,
    who: &Who<'_>,
    id: &str,
    location: Option<String>,
    certificate: &str,
) -> Result<tinhso_kernel::signing::DeskStarted, AppError> {
    let (d, latest, pdf) = signable(state, who, id).await?;
    let title: String = format!("{} — {}", d.organ_name.trim(), d.subject.trim());
    state
        .start_desk_signing(tinhso_kernel::signing::DeskSignRequest {
            request: leader_request(who, &d, pdf, location),
            operator: who.user.id.clone(),
            certificate: certificate.to_owned(),
            title,
            completion: REMOTE_SIGNED.name,
            ended: None,
            context: json!({ "version": latest.version, "kind": "desk" }),
            return_to: format!("/office/documents/{id}"),
        })
        .await
        .ok_or_else(|| AppError::Conflict("Nền tảng chưa bật chức năng ký số.".into()))?
}

/// [`REMOTE_SIGNED`]'s work: the signer and the document as they are now, the version signed
/// still the latest, then the file kept. An error as [`AppError`] ends the session with its
/// message.
async fn remote_signed(state: &Ctx, payload: serde_json::Value) -> anyhow::Result<()> {
    let signed: tinhso_kernel::signing::RemoteSigned = serde_json::from_value(payload)?;
    let user = tinhso_kernel::auth::session::load_user(&state.db, &signed.user_id)
        .await?
        .ok_or(AppError::Forbidden)?;
    let who = Who {
        user: &user,
        actor: signed.actor(),
    };
    let id = signed.entity_id.as_str();
    let expected = signed.context["version"].as_i64().unwrap_or(-1);
    let latest = store::versions(&state.db, id)
        .await?
        .into_iter()
        .max_by_key(|v| v.version)
        .filter(|v| v.version == expected)
        .ok_or_else(|| {
            AppError::Conflict(
                "Văn bản vừa thay đổi trong lúc ký: hãy tải lại trang và ký lại.".into(),
            )
        })?;
    let pdf = tinhso_kernel::storage::get(state.storage.as_ref(), &signed.pdf_key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the signed file {} is gone", signed.pdf_key))?;
    keep_signed(
        state,
        &who,
        id,
        &latest,
        pdf,
        &signed.serial,
        Some(json!({
            "session": signed.session_id,
            "kind": signed.context["kind"].as_str().unwrap_or("remote"),
        })),
        SignerAudit::Remote(signed.clone()),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_named_by_code_name_or_abbreviation() {
        for text in ["decision", "Quyết định", "quyet dinh", "QĐ", "qđ"] {
            assert_eq!(parse_type(text), Some(DocType::Decision), "{text}");
        }
        assert_eq!(parse_type("Công văn"), Some(DocType::OfficialLetter));
        assert_eq!(parse_type("thư tình"), None);
    }

    #[test]
    fn any_secrecy_mark_is_refused_and_none_passes() {
        assert!(refuse_secret(None).is_ok());
        assert!(refuse_secret(Some("  ")).is_ok());
        for mark in [
            "MẬT",
            "Tối mật",
            "tuyet mat",
            "top_secret",
            "bí mật nhà nước",
        ] {
            assert!(
                matches!(refuse_secret(Some(mark)), Err(AppError::Validation(ref e)) if e[0].field == "Secrecy"),
                "{mark}"
            );
        }
    }

    #[test]
    fn priorities_are_edxml_codes() {
        assert_eq!(urgency(None).unwrap(), Urgency::Normal);
        assert_eq!(urgency(Some(3)).unwrap(), Urgency::Flash);
        assert!(urgency(Some(7)).is_err());
    }
}
