//! What the module that checks digital signatures offers the others (docs/signatures-design.md
//! §1): a PDF's signatures as people read them, and signing a PDF with a person's own
//! certificate or with an agency's (its seal, applied at issue). The documents module shows
//! them next to a version, has the approving leader sign and the clerk seal, without depending
//! on the signatures module; the binary wires the one checker and the one signer in.

use crate::ctx::Ctx;
use crate::error::AppError;
use crate::module::BoxFut;
use serde::Serialize;

/// One signature of a file, as people read it (the full report is the signatures module's).
#[derive(Clone, Debug, Serialize)]
pub struct SignatureCheck {
    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE` (ETSI EN 319 102-1).
    pub indication: String,
    /// "Hợp lệ", "Không hợp lệ" or "Chưa xác định".
    pub label: String,
    /// `B-B`, `B-T`, `B-LT`, `B-LTA`.
    pub level: Option<String>,
    /// The signer's name (the certificate's common name, else its subject).
    pub signer: String,
    pub organization: Option<String>,
    /// When it was signed: the timestamp's time when `time_proven`, else the time claimed.
    pub signed_at: Option<String>,
    pub time_proven: bool,
    /// Why it is not valid, for people.
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
    /// The chain ends at a demo root: no legal value.
    pub demo: bool,
    /// The signing certificate's serial, lower-case hexadecimal without DER's sign octet.
    pub serial: Option<String>,
    /// Whom the platform's own CA issued the signing certificate to, when it did: the checker
    /// looks the serial up, so a module can tell whose signature it is without trusting names.
    pub holder: Option<Holder>,
}

/// The holder of a certificate the platform issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Holder {
    /// A user (their id): a personal certificate.
    Person(String),
    /// An agency (its id): the agency's seal.
    Agency(String),
}

/// What checking one file gives: its signatures (none for an unsigned file), or why the file
/// could not be checked.
pub type Checked = Result<Vec<SignatureCheck>, AppError>;

/// A checker of the signatures of a PDF.
pub struct SignatureChecker {
    pub check: for<'a> fn(&'a Ctx, bytes::Bytes) -> BoxFut<'a, Checked>,
}

impl Ctx {
    /// The signatures of `pdf`, or `None` when no module checks signatures.
    pub async fn check_signatures(&self, pdf: bytes::Bytes) -> Option<Checked> {
        let checker = self.signature_checker?;
        Some((checker.check)(self, pdf).await)
    }
}

/// Whose certificate signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignAs {
    /// The user (their id) with their own certificate; no one signs with another's.
    Person(String),
    /// The agency (its id) with its own certificate: the agency's seal, which the caller
    /// applies only for someone who may (the document clerk issuing a signed document).
    Agency(String),
}

/// Where a visible stamp goes, in the page's margins (Decree 30/2020 Appendix I: 20–25 mm
/// top and bottom, 15–20 mm right).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StampPlace {
    /// The first page's top right corner: the agency's signature on an appendix in a separate
    /// file, shown as Decree 30/2020 Appendix I asks — text only (no frame, no image), a
    /// Times-style serif, upright, 10 pt, black, aligned on the right.
    FirstPageTopRight,
    /// The last page's bottom right corner, under the signature block (the leader's signature).
    LastPageBottomRight,
    /// The agency's seal on the last page, by the leader's signature (the last visible
    /// signature there that is not a seal). With the agency's seal image, Decree 30/2020
    /// Appendix I's layout: the seal image over the left third of the leader's signature image
    /// (of their box when they have no image), the seal's text to its left. Without one, a box
    /// of text just left of `LastPageBottomRight`'s, as before the images.
    SealOverSigner,
}

/// A visible stamp: a framed box with a few lines of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampRequest {
    pub place: StampPlace,
    pub lines: Vec<String>,
}

/// What to sign: the signer, the PDF, and what the signature says.
#[derive(Clone, Debug)]
pub struct SignRequest {
    pub signer: SignAs,
    /// Who asks, for the audit log (`signature.sign`).
    pub actor: crate::audit::Actor,
    /// What is signed, for the audit log: the entity type and id (`document`, its id).
    pub entity_type: &'static str,
    pub entity_id: String,
    pub pdf: bytes::Bytes,
    /// `/Reason` and `/Location` of the signature.
    pub reason: Option<String>,
    pub location: Option<String>,
    /// A visible stamp; invisible when `None`.
    pub stamp: Option<StampRequest>,
}

/// A signed PDF (PAdES B-T), with the certificate that signed it. Nothing is recorded yet: the
/// caller stores the file and records [`Signed::record_audit`] in the same transaction, so no
/// audit row says a file was signed when it was not kept.
#[derive(Clone, Debug)]
pub struct Signed {
    pub pdf: Vec<u8>,
    /// The signing certificate's serial (hexadecimal) and subject.
    pub serial: String,
    pub subject: String,
    /// The audit row the signer wants: its action (`signature.sign`), entity and details.
    pub audit: SignedAudit,
}

/// The audit row of one signing, recorded by the caller in the transaction that keeps the file.
#[derive(Clone, Debug)]
pub struct SignedAudit {
    pub actor: crate::audit::Actor,
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub after: serde_json::Value,
}

impl Signed {
    /// Records the signing's audit row in `tx` (the caller's transaction that stores the file).
    pub async fn record_audit(
        &self,
        db: &crate::db::Db,
        tx: &mut crate::db::Conn,
    ) -> Result<(), AppError> {
        let a = &self.audit;
        crate::audit::record(
            db,
            tx,
            &a.actor,
            crate::audit::Change {
                action: a.action,
                entity_type: a.entity_type,
                entity_id: &a.entity_id,
                before: serde_json::Value::Null,
                after: a.after.clone(),
            },
        )
        .await
    }
}

/// A signer of PDFs with a person's or an agency's own certificate. The caller checks that the
/// person may sign the document (or the agency's seal may be applied); the signer that the
/// certificate is theirs and usable.
pub struct PdfSigner {
    pub sign: for<'a> fn(&'a Ctx, SignRequest) -> BoxFut<'a, Result<Signed, AppError>>,
    /// Starts a remote signing (the person confirms on a phone, docs/signatures-design.md §4):
    /// the file is prepared and the provider asked now; the signature comes later, and the
    /// caller's [`RemoteSignRequest::completion`] job kind stores it.
    pub start_remote:
        for<'a> fn(&'a Ctx, RemoteSignRequest) -> BoxFut<'a, Result<RemoteStarted, AppError>>,
    /// The remote-signing providers this platform offers: `(id, name shown to people)`.
    pub remote_providers: fn(&Ctx) -> Vec<(&'static str, &'static str)>,
    /// Starts a signing with a USB token at the signer's desk (PKCS#11, beyond the server's
    /// reach, docs/signatures-design.md §4): the certificate read from the token is checked
    /// and the file prepared now; the tool on the desk signs the digest and posts the raw
    /// signature to `POST /api/v1/signing-sessions/{id}/signature`, which completes it and runs
    /// the caller's [`DeskSignRequest::completion`].
    pub start_desk:
        for<'a> fn(&'a Ctx, DeskSignRequest) -> BoxFut<'a, Result<DeskStarted, AppError>>,
    /// The signing sessions still waiting that `user_id` started for entity `entity_id` (of
    /// type `entity_type`), newest first: what a document's page shows its signer.
    pub pending_sessions: PendingSessions,
    /// Checks, before the caller reserves anything for it (a document's number), that a key
    /// which signs elsewhere can sign for `signer` now: a desk token's certificate registered
    /// to the signer, usable and trusted; a remote provider configured that holds a usable
    /// certificate of the signer for the operator. Starting the session checks again.
    pub ready: for<'a> fn(&'a Ctx, KeyCheck) -> BoxFut<'a, Result<(), AppError>>,
    /// Ends, in the caller's transaction, every signing session still waiting on an entity that
    /// has moved on (a document returned for revision, issued, or signed another way): what it
    /// would sign is no longer what is to be signed.
    pub end_sessions: EndSessions,
    /// Withdraws requests at their providers, after the sessions
    /// asking them ended: a provider that cannot be reached is logged, not retried (the
    /// request expires there; confirming it signs nothing here).
    pub withdraw: for<'a> fn(&'a Ctx, &'a [ProviderRequest]) -> BoxFut<'a, ()>,
}

/// A key that signs beyond the server's reach.
#[derive(Clone, Debug)]
pub enum KeyElsewhere {
    /// A USB token at a desk: its certificate as the tool read it (PEM or base64 DER).
    Desk { certificate: String },
    /// A remote-signing provider, by id.
    Remote { provider: String },
}

/// What [`PdfSigner::ready`] checks.
#[derive(Clone, Debug)]
pub struct KeyCheck {
    pub signer: SignAs,
    /// Who works the token or confirms on the phone.
    pub operator: String,
    pub key: KeyElsewhere,
}

/// [`PdfSigner::end_sessions`]: `(ctx, tx, what)`.
pub type EndSessions = for<'a> fn(
    &'a Ctx,
    &'a mut crate::db::Conn,
    EndSigning<'a>,
) -> BoxFut<'a, Result<EndedSessions, AppError>>;

/// Which waiting signing sessions to end, and why.
#[derive(Clone, Debug)]
pub struct EndSigning<'a> {
    pub entity_type: &'static str,
    pub entity_id: &'a str,
    /// A session to leave alone: the one whose signature is being kept right now.
    pub except: Option<&'a str>,
    /// What the session's page and API say, in Vietnamese.
    pub reason: &'a str,
    /// Who moved the entity on (the audit row of each session ended).
    pub actor: &'a crate::audit::Actor,
}

/// The sessions ended, with their files to remove and their providers' requests to withdraw
/// once the caller's transaction committed.
#[derive(Clone, Debug, Default)]
pub struct EndedSessions {
    pub sessions: Vec<String>,
    pub files: Vec<String>,
    /// The provider's request of each remote session ended.
    pub requests: Vec<ProviderRequest>,
}

/// A request at a remote-signing provider: the provider's id and its transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRequest {
    pub provider: String,
    pub tx: String,
}

impl EndedSessions {
    /// After the commit (a rollback keeps them): removes the ended sessions' prepared files and
    /// withdraws their requests at the providers, so the signer's phone stops asking.
    pub async fn settle(&self, ctx: &Ctx) {
        let keys: Vec<&str> = self.files.iter().map(String::as_str).collect();
        crate::storage::discard(ctx.storage.as_ref(), &keys).await;
        if let Some(signer) = ctx.pdf_signer
            && !self.requests.is_empty()
        {
            (signer.withdraw)(ctx, &self.requests).await;
        }
    }
}

/// [`PdfSigner::pending_sessions`]: `(ctx, user_id, entity_type, entity_id)`.
pub type PendingSessions = for<'a> fn(
    &'a Ctx,
    &'a str,
    &'static str,
    &'a str,
) -> BoxFut<'a, Result<Vec<PendingSigning>, AppError>>;

/// A signature made with a USB token at a desk: the token's certificate comes with the
/// request; the key never leaves the token, and the server never reaches it. A person's own
/// token, or the agency's (its seal, on the document clerk's desk).
#[derive(Clone, Debug)]
pub struct DeskSignRequest {
    /// What to sign: as a person (their own certificate) or as an agency (its certificate).
    pub request: SignRequest,
    /// Who works the token: the signer for a person's signature, the document clerk for the
    /// agency's seal. Only they may post the signature.
    pub operator: String,
    /// The certificate read from the token, as the tool posted it: PEM, or the DER in base64
    /// (the signing module reads and checks it).
    pub certificate: String,
    /// What the session shows, e.g. the document's subject.
    pub title: String,
    /// As [`RemoteSignRequest::completion`]: the caller's job kind that keeps the signed file,
    /// run with a [`RemoteSigned`] once the signature came and was embedded.
    pub completion: &'static str,
    /// As [`RemoteSignRequest::ended`].
    pub ended: Option<&'static str>,
    pub context: serde_json::Value,
    pub return_to: String,
}

/// A desk signing started: what the tool on the desk signs.
#[derive(Clone, Debug, Serialize)]
pub struct DeskStarted {
    pub session_id: String,
    /// `/office/signing-sessions/{id}`.
    pub path: String,
    pub expires_at: String,
    /// `rsa-pss-sha256` (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32) or `ecdsa-p256-sha256`.
    pub algorithm: String,
    /// The DER signed attributes (base64): a token that hashes signs these.
    pub signed_attributes: String,
    /// Their SHA-256 (hex): a token that signs a digest signs this.
    pub digest: String,
}

/// A signing session still waiting for its signature.
#[derive(Clone, Debug, Serialize)]
pub struct PendingSigning {
    pub session_id: String,
    /// `desk` (a USB token at the signer's desk) or a remote provider's id.
    pub kind: String,
    pub path: String,
    pub digest: String,
    pub created_at: String,
    pub expires_at: String,
}

/// A signature made by a remote-signing provider (VNPT SmartCA, Viettel MySign, the test
/// provider…): only the hash and `title` leave the platform. A person's own certificate at
/// the provider, or the agency's (its seal, confirmed by the document clerk).
#[derive(Clone, Debug)]
pub struct RemoteSignRequest {
    /// What to sign: as a person or as an agency.
    pub request: SignRequest,
    /// Who confirms on the phone: the signer for a person's signature, the document clerk for
    /// the agency's seal (the provider holds the agency's certificate for its account).
    pub operator: String,
    /// The provider's id ([`PdfSigner::remote_providers`]).
    pub provider: String,
    /// What the signer's phone shows, e.g. the document's subject.
    pub title: String,
    /// The name of the caller's job kind (`Module::jobs`) that applies the signed file; it is
    /// run, not queued, by the job that completes the session, with a [`RemoteSigned`] as its
    /// payload. An error it returns as [`AppError`] (e.g. a 409 because the document changed)
    /// marks the session failed with that message.
    pub completion: &'static str,
    /// The caller's job kind run, with a [`SigningEnded`], when the session ends without a
    /// signature on its own (refused, expired, failed) — not when the caller ended it in its
    /// own transaction ([`PdfSigner::end_sessions`]). `None`: nothing to undo.
    pub ended: Option<&'static str>,
    /// The caller's own data, handed back in [`RemoteSigned::context`].
    pub context: serde_json::Value,
    /// Where the session's page links back to (the document's page).
    pub return_to: String,
}

/// A remote signing started: its session and the page that follows it.
#[derive(Clone, Debug, Serialize)]
pub struct RemoteStarted {
    pub session_id: String,
    /// `/office/signing-sessions/{id}`: "Đang chờ xác nhận trên điện thoại…" until it ends.
    pub path: String,
    pub expires_at: String,
}

/// What the caller's completion job receives once the signer confirmed: the signed PDF is in
/// the object store under `pdf_key`.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct RemoteSigned {
    pub session_id: String,
    pub user_id: String,
    pub entity_id: String,
    pub pdf_key: String,
    pub serial: String,
    pub subject: String,
    pub actor_label: String,
    pub actor_ip: String,
    /// The `signature.sign` audit row's details.
    pub audit_after: serde_json::Value,
    pub context: serde_json::Value,
}

/// What the caller's [`RemoteSignRequest::ended`] job receives: the session ended unsigned.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct SigningEnded {
    pub session_id: String,
    pub entity_id: String,
    /// `refused`, `expired` or `failed`.
    pub state: String,
    /// Why, in Vietnamese, as the session's page shows it.
    pub reason: String,
    pub context: serde_json::Value,
}

impl RemoteSigned {
    /// Who asked for the signing.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor {
            label: self.actor_label.clone(),
            ip: self.actor_ip.clone(),
        }
    }

    /// Records the `signature.sign` row in `tx`, the caller's transaction that stores the file.
    pub async fn record_audit(
        &self,
        db: &crate::db::Db,
        tx: &mut crate::db::Conn,
        entity_type: &'static str,
    ) -> Result<(), AppError> {
        crate::audit::record(
            db,
            tx,
            &self.actor(),
            crate::audit::Change {
                action: "signature.sign",
                entity_type,
                entity_id: &self.entity_id,
                before: serde_json::Value::Null,
                after: self.audit_after.clone(),
            },
        )
        .await
    }
}

impl Ctx {
    /// `request.pdf` signed with the signer's own certificate, or `None` when no module signs.
    pub async fn sign_pdf(&self, request: SignRequest) -> Option<Result<Signed, AppError>> {
        let signer = self.pdf_signer?;
        Some((signer.sign)(self, request).await)
    }
}

impl Ctx {
    /// Starts a remote signing, or `None` when no module signs.
    pub async fn start_remote_signing(
        &self,
        request: RemoteSignRequest,
    ) -> Option<Result<RemoteStarted, AppError>> {
        let signer = self.pdf_signer?;
        Some((signer.start_remote)(self, request).await)
    }

    /// Whether `check`'s key can sign now ([`PdfSigner::ready`]), or `None` when no module
    /// signs.
    pub async fn check_signing_key(&self, check: KeyCheck) -> Option<Result<(), AppError>> {
        let signer = self.pdf_signer?;
        Some((signer.ready)(self, check).await)
    }

    /// The remote-signing providers offered (none when no module signs).
    pub fn remote_signing_providers(&self) -> Vec<(&'static str, &'static str)> {
        self.pdf_signer
            .map(|s| (s.remote_providers)(self))
            .unwrap_or_default()
    }

    /// Starts a signing with a USB token at the signer's desk, or `None` when no module signs.
    pub async fn start_desk_signing(
        &self,
        request: DeskSignRequest,
    ) -> Option<Result<DeskStarted, AppError>> {
        let signer = self.pdf_signer?;
        Some((signer.start_desk)(self, request).await)
    }

    /// Ends the signing sessions still waiting on `what.entity_id`, in `tx` (none when no
    /// module signs): see [`PdfSigner::end_sessions`].
    pub async fn end_signing_sessions(
        &self,
        tx: &mut crate::db::Conn,
        what: EndSigning<'_>,
    ) -> Result<EndedSessions, AppError> {
        match self.pdf_signer {
            Some(signer) => (signer.end_sessions)(self, tx, what).await,
            None => Ok(EndedSessions::default()),
        }
    }

    /// The signing sessions `user_id` started for `entity_type` `entity_id` that still wait
    /// (none when no module signs).
    pub async fn pending_signing_sessions(
        &self,
        user_id: &str,
        entity_type: &'static str,
        entity_id: &str,
    ) -> Result<Vec<PendingSigning>, AppError> {
        match self.pdf_signer {
            Some(signer) => (signer.pending_sessions)(self, user_id, entity_type, entity_id).await,
            None => Ok(Vec::new()),
        }
    }
}
