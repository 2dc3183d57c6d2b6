//! `tinhso desk-sign`: the tool that runs on the signer's own computer, where their USB token
//! is plugged in (docs/signatures-design.md §4, the deferred path). It talks to the platform
//! only over HTTP, with the official's API token (scope `documents`), and to the token only
//! through its vendor's PKCS#11 module ([`tinhso_pkcs11`]):
//!
//! 1. the token opened with the PIN (read from a file, or standard input with `-`), the key
//!    chosen (by `CKA_ID`, by label, or the token's one key with a certificate), its
//!    certificate read from the token;
//! 2. `POST /api/v1/documents/{id}/signatures` with `DeskCertificate` (PEM): the platform
//!    checks the certificate and answers with the session, the algorithm, the DER signed
//!    attributes and their SHA-256;
//! 3. the tool checks that the digest is the SHA-256 of the attributes and the algorithm the
//!    key's, and the token signs (RSASSA-PSS or ECDSA P-256, hashing on the token when it can);
//! 4. `POST /api/v1/signing-sessions/{id}/signature` with the raw signature: the platform
//!    verifies it, completes the PDF (timestamp, B-LT) and keeps it as the next version.
//!
//! With `--seal` the document clerk applies the agency's seal the same way, with the agency's
//! certificate on their token: step 2 is `POST /api/v1/documents/{id}/seal`, which reserves
//! the number (the seal's stamp carries it), and step 4 issues the document.
//!
//! Every refusal of the platform comes back as its RFC 9457 problem's Vietnamese `detail`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;
use tinhso_pades::sign::ToBeSigned;
use tinhso_pkcs11::{KeySelector, Module, Pin, Pkcs11Signer};

/// What `tinhso desk-sign` is told.
#[derive(Clone, Debug)]
pub struct DeskSign {
    /// The platform's address, e.g. `https://tinhso.thanhhoa.gov.vn`.
    pub server: String,
    /// The official's API token (scope `documents`).
    pub api_token: String,
    /// The document to sign.
    pub document: String,
    /// The token vendor's PKCS#11 module.
    pub module: PathBuf,
    pub token_label: String,
    /// A file holding the PIN, or `-` for standard input.
    pub pin_file: PathBuf,
    /// The key's `CKA_ID` in hex, or its label; neither: the token's one certified key.
    pub key_id: Option<String>,
    pub key_label: Option<String>,
    /// The place of signing (`/Location`).
    pub location: Option<String>,
    /// The agency's seal at the issue (`POST /api/v1/documents/{id}/seal`) with the agency's
    /// certificate on this token, instead of the official's own signature.
    pub seal: bool,
}

/// What the tool did.
#[derive(Clone, Debug)]
pub struct DeskSigned {
    pub session_id: String,
    pub state: String,
    /// The signed document's page on the platform.
    pub document_page: String,
    pub algorithm: String,
    /// The PKCS#11 mechanism the token signed with.
    pub mechanism: String,
    /// The signing certificate's subject.
    pub subject: String,
}

/// The platform's answer to the start (`OfficialDocDeskSigning`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Started {
    session_id: String,
    algorithm: String,
    signed_attributes: String,
    digest: String,
}

/// The platform's answer to the signature (`SigningSession`).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Ended {
    id: String,
    state: String,
    return_to: String,
}

/// The key opened on the token, with its certificate.
struct OpenedKey {
    signer: Pkcs11Signer,
    certificate: Vec<u8>,
}

/// Opens the token and the key `args` names (blocking).
fn open_key(args: &DeskSign) -> anyhow::Result<OpenedKey> {
    let pin = if args.pin_file.as_os_str() == "-" {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Pin::new(line.trim().to_owned())
    } else {
        Pin::read_file(&args.pin_file).map_err(|e| {
            anyhow::anyhow!("Không đọc được tệp mã PIN {}: {e}", args.pin_file.display())
        })?
    };
    let module = Module::load(&args.module)?;
    let token = module.open_token(&args.token_label, &pin)?;
    let key = match (&args.key_id, &args.key_label) {
        (None, None) => token.only_certified_key()?,
        (id, label) => {
            let mut selector = match id {
                Some(hex) => KeySelector::id_hex(hex)?,
                None => KeySelector::default(),
            };
            selector.label = label.clone();
            token.key(&selector)?
        }
    };
    let certificate = key.certificate()?.to_vec();
    let signer = key.signer(key.preferred_algorithm())?;
    Ok(OpenedKey {
        signer,
        certificate,
    })
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Posts `body` (JSON) to `url` with the API token: the answer's JSON, or the platform's
/// refusal in its own words.
async fn post<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    api_token: &str,
    body: &serde_json::Value,
) -> anyhow::Result<T> {
    let response = client
        .post(url)
        .bearer_auth(api_token)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(serde_json::to_vec(body)?)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("Không kết nối được máy chủ {url}: {e}"))?;
    let status = response.status();
    let bytes = response.bytes().await?;
    if !status.is_success() {
        let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_owned))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(300).collect());
        anyhow::bail!("Máy chủ từ chối (HTTP {}): {detail}", status.as_u16());
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("Máy chủ trả lời không đúng định dạng ({url}): {e}"))
}

/// The PEM of a certificate's DER.
fn pem(der: &[u8]) -> String {
    let body = B64.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn algorithm_of(signer: &Pkcs11Signer) -> &'static str {
    crate::remote::algorithm_name(tinhso_pades::sign::Signer::algorithm(signer))
}

/// Signs document `args.document` with the key on the token (module docs).
pub async fn run(args: DeskSign) -> anyhow::Result<DeskSigned> {
    let server = args.server.trim_end_matches('/').to_owned();
    let opened = {
        let args = args.clone();
        tokio::task::spawn_blocking(move || open_key(&args)).await??
    };
    let subject = <x509_cert::Certificate as der::Decode>::from_der(&opened.certificate)
        .map(|c| c.tbs_certificate().subject().to_string())
        .unwrap_or_default();
    let client = client()?;
    let mut start = serde_json::json!({ "DeskCertificate": pem(&opened.certificate) });
    if let Some(location) = &args.location {
        start["Location"] = serde_json::json!(location);
    }
    // The seal reserves the number and issues once signed; a signature makes a new version.
    let step = if args.seal { "seal" } else { "signatures" };
    let started: Started = post(
        &client,
        &format!("{server}/api/v1/documents/{}/{step}", args.document),
        &args.api_token,
        &start,
    )
    .await?;
    // What the token signs is checked here too: the attributes, their digest, the algorithm.
    let attributes = B64
        .decode(&started.signed_attributes)
        .map_err(|_| anyhow::anyhow!("Máy chủ gửi thuộc tính ký không ở dạng base64"))?;
    let digest = Sha256::digest(&attributes).to_vec();
    anyhow::ensure!(
        hex::encode(&digest) == started.digest.to_ascii_lowercase(),
        "Mã băm máy chủ gửi không khớp với thuộc tính ký: không ký"
    );
    let algorithm = algorithm_of(&opened.signer);
    anyhow::ensure!(
        started.algorithm == algorithm,
        "Máy chủ yêu cầu thuật toán {} nhưng khóa trên USB token ký bằng {algorithm}: không ký",
        started.algorithm
    );
    let signer = opened.signer.clone();
    let signature = tokio::task::spawn_blocking(move || {
        signer.sign_typed(&ToBeSigned {
            message: &attributes,
            digest: &digest,
        })
    })
    .await??;
    let ended: Ended = post(
        &client,
        &format!(
            "{server}/api/v1/signing-sessions/{}/signature",
            started.session_id
        ),
        &args.api_token,
        &serde_json::json!({ "Signature": B64.encode(&signature) }),
    )
    .await?;
    Ok(DeskSigned {
        session_id: ended.id,
        state: ended.state,
        document_page: format!("{server}{}", ended.return_to),
        algorithm: algorithm.to_owned(),
        mechanism: opened.signer.mechanism().to_owned(),
        subject,
    })
}
