//! What the module that checks digital signatures offers the others (docs/signatures-design.md
//! §1): a PDF's signatures as people read them, and signing a PDF with a person's own
//! certificate. The documents module shows them next to a version, and has the approving
//! leader sign, without depending on the signatures module; the binary wires the one checker
//! and the one signer in.

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

/// What to sign: the signer (an official signing with their own certificate), the PDF, and
/// what the signature says.
#[derive(Clone, Debug)]
pub struct SignRequest {
    /// The user whose own certificate signs; no one signs with another's.
    pub user_id: String,
    /// Who asks, for the audit log (`signature.sign`).
    pub actor: crate::audit::Actor,
    /// What is signed, for the audit log: the entity type and id (`document`, its id).
    pub entity_type: &'static str,
    pub entity_id: String,
    pub pdf: bytes::Bytes,
    /// `/Reason` and `/Location` of the signature.
    pub reason: Option<String>,
    pub location: Option<String>,
}

/// A signed PDF (PAdES B-T), with the certificate that signed it.
#[derive(Clone, Debug)]
pub struct Signed {
    pub pdf: Vec<u8>,
    /// The signing certificate's serial (hexadecimal) and subject.
    pub serial: String,
    pub subject: String,
}

/// A signer of PDFs with the signer's own certificate. The caller checks that the person may
/// sign the document; the signer that the certificate is theirs and usable.
pub struct PdfSigner {
    pub sign: for<'a> fn(&'a Ctx, SignRequest) -> BoxFut<'a, Result<Signed, AppError>>,
}

impl Ctx {
    /// `request.pdf` signed with the user's own certificate, or `None` when no module signs.
    pub async fn sign_pdf(&self, request: SignRequest) -> Option<Result<Signed, AppError>> {
        let signer = self.pdf_signer?;
        Some((signer.sign)(self, request).await)
    }
}
