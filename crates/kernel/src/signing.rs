//! What the module that checks digital signatures offers the others (docs/signatures-design.md
//! §1): a PDF's signatures as people read them. The documents module shows them next to a
//! version without depending on the signatures module; the binary wires the one checker in.

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
