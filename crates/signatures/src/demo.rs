//! The demo province's certificate authority (docs/signatures-design.md §5), made once when the
//! demo loads: the four authorities, a certificate for each demo leader (RSA-2048) and document
//! clerk (P-256), one for each agency that has a document clerk (its seal, P-256), with AIA and
//! CRLDP URLs under the configured `public_url`; then its root is trusted, which the log says.
//! Every person here is a fictional demo account, and nothing it issues has legal value.
//!
//! Safe to run again and from two nodes at once: when the root exists nothing happens, and the
//! rows are written under the PKI lock (PostgreSQL's advisory lock, SQLite's write lock) with
//! the root's role as the key of its row, so only one node's CA is ever stored.

use crate::pki::{self, Issued, PKI_LOCK, Role, TRUST_SETTING};
use crate::store::{self, Signer};
use std::time::SystemTime;
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::{self, Actor, Change};
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::BoxFut;
use tinhso_pades::asn1::WideOid;
use tinhso_pades::ca::{self, DemoPki, KeyAlgorithm, Settings, Subject};

/// Loads the module's demo data (`Module::demo`).
pub fn seed(ctx: &Ctx) -> BoxFut<'_, anyhow::Result<()>> {
    Box::pin(async move {
        create_demo_ca(ctx)
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("demo CA: {e}"))
    })
}

/// What the generator made, before anything is stored.
struct Generated {
    pki: DemoPki,
    issued: Vec<Issued>,
}

/// Makes the demo CA unless it exists; whether this call made it.
pub async fn create_demo_ca(ctx: &Ctx) -> Result<bool, AppError> {
    if store::authority(&ctx.db, Role::Root.as_str())
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let signers = store::signers(&ctx.db).await?;
    let policy = uuid::Uuid::now_v7();
    let settings = Settings::new(&ctx.config.public_url, WideOid::from_uuid(policy.as_u128()));
    // Key generation is CPU work (RSA about a tenth of a second each): off the async threads.
    let generated = {
        let settings = settings.clone();
        tokio::task::spawn_blocking(move || generate(&settings, &signers))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("demo CA: {e}")))?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("demo CA: {e}")))?
    };
    store_generated(ctx, &generated, &settings, &policy).await
}

/// The authorities and every certificate of the demo, issued now.
fn generate(settings: &Settings, signers: &[Signer]) -> Result<Generated, ca::CaError> {
    let now = SystemTime::now();
    let pki = DemoPki::create(settings, now)?;
    let mut issued = Vec::new();
    for (signer, algorithm) in people(signers) {
        let subject = Subject::person(&signer.full_name, Some(&signer.agency_name));
        let (certificate, key) =
            pki.issuing
                .issue_with_new_key(ca::Role::Person, &subject, algorithm, settings, now)?;
        issued.push(Issued {
            certificate,
            key,
            kind: "person",
            user_id: Some(signer.user_id.clone()),
            agency_id: None,
        });
    }
    for signer in sealing_agencies(signers) {
        let subject = Subject::agency(&signer.agency_name, &signer.agency_code);
        let (certificate, key) = pki.issuing.issue_with_new_key(
            ca::Role::Agency,
            &subject,
            KeyAlgorithm::P256,
            settings,
            now,
        )?;
        issued.push(Issued {
            certificate,
            key,
            kind: "agency",
            user_id: None,
            agency_id: Some(signer.agency_id.clone()),
        });
    }
    Ok(Generated { pki, issued })
}

/// One certificate per person: leaders RSA-2048 (as on today's national tokens), document
/// clerks P-256; someone with both roles is counted once, as a leader.
fn people(signers: &[Signer]) -> Vec<(&Signer, KeyAlgorithm)> {
    let mut out: Vec<(&Signer, KeyAlgorithm)> = Vec::new();
    for signer in signers {
        let algorithm = match signer.role.as_str() {
            "leader" => KeyAlgorithm::Rsa2048,
            _ => KeyAlgorithm::P256,
        };
        match out.iter_mut().find(|(s, _)| s.user_id == signer.user_id) {
            Some(kept) if algorithm == KeyAlgorithm::Rsa2048 => kept.1 = algorithm,
            Some(_) => {}
            None => out.push((signer, algorithm)),
        }
    }
    out
}

/// The agencies that have a document clerk (who applies the agency's seal at issue), once each.
fn sealing_agencies(signers: &[Signer]) -> Vec<&Signer> {
    let mut out: Vec<&Signer> = Vec::new();
    for signer in signers.iter().filter(|s| s.role == "document_clerk") {
        if !out.iter().any(|s| s.agency_id == signer.agency_id) {
            out.push(signer);
        }
    }
    out
}

/// Writes the authorities, the certificates and the trust setting in one transaction, unless
/// another node stored its CA first.
async fn store_generated(
    ctx: &Ctx,
    generated: &Generated,
    settings: &Settings,
    policy: &uuid::Uuid,
) -> Result<bool, AppError> {
    let now = tinhso_kernel::time::now_text();
    let key = &ctx.keys.pki;
    let pki = &generated.pki;
    let authorities = [
        (Role::Root, &pki.root),
        (Role::Issuing, &pki.issuing),
        (Role::Ocsp, &pki.ocsp),
        (Role::Tsa, &pki.tsa),
    ];
    let mut tx = ctx.db.begin().await?;
    ctx.db.lock(&mut tx, PKI_LOCK).await?;
    for (role, authority) in authorities {
        let row = pki::authority_row(key, role, authority, settings, policy, &now)?;
        if !store::insert_authority(&mut tx, &row).await? {
            // Another node made the demo CA meanwhile: keep its, drop ours (rolled back).
            return Ok(false);
        }
    }
    for issued in &generated.issued {
        store::insert_certificate(&mut tx, &issued.row(key, &now)?).await?;
    }
    tinhso_kernel::settings::put(&mut tx, TRUST_SETTING, "on").await?;
    let root = pki.root.certificate.tbs_certificate();
    let root_serial = pki::serial_hex(root.serial_number());
    audit::record(
        &ctx.db,
        &mut tx,
        &Actor {
            label: "system:seed-demo".into(),
            ip: String::new(),
        },
        Change {
            action: "pki.demo_create",
            entity_type: "pki_authority",
            entity_id: &root_serial,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "root": root.subject().to_string(),
                "public_url": settings.public_url,
                "certificates": generated.issued.len(),
                "trusted": true,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(
        root = %root.subject(),
        certificates = generated.issued.len(),
        public_url = %settings.public_url,
        "signatures: created the demo certificate authority (no legal value) and turned on trust \
         in its root; signatures under it show a DEMO badge. Turn it off at /admin/signatures"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(user: &str, role: &str, agency: &str) -> Signer {
        Signer {
            user_id: user.into(),
            full_name: format!("Người {user}"),
            role: role.into(),
            agency_id: agency.into(),
            agency_name: format!("Cơ quan {agency}"),
            agency_code: "000.00.14.H56".into(),
        }
    }

    #[test]
    fn leaders_get_rsa_clerks_p256_and_each_person_one_certificate() {
        let signers = [
            signer("a", "document_clerk", "x"),
            signer("b", "leader", "x"),
            signer("c", "document_clerk", "y"),
            signer("c", "leader", "y"),
        ];
        let people: Vec<_> = people(&signers)
            .into_iter()
            .map(|(s, a)| (s.user_id.as_str(), a))
            .collect();
        assert_eq!(
            people,
            [
                ("a", KeyAlgorithm::P256),
                ("b", KeyAlgorithm::Rsa2048),
                ("c", KeyAlgorithm::Rsa2048),
            ]
        );
        let agencies: Vec<_> = sealing_agencies(&signers)
            .iter()
            .map(|s| s.agency_id.as_str())
            .collect();
        assert_eq!(agencies, ["x", "y"], "agencies with a clerk, once each");
    }
}
