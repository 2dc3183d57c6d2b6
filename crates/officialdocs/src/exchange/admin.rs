//! `/admin/exchange` for system administrators: this platform's exchange name and public key
//! (PEM and SHA-256 fingerprint) to give its peers, and during a key rotation the next key,
//! announced but not yet signing (`tinhso exchange rotate-key`); each configured peer with its
//! agency codes, each of its key files (two during its own rotation) with whether it reads and
//! its key's fingerprint, when it last sent us a message and how many of our deliveries to it
//! wait or failed. Read-only: the rotation is the operator's, on the command line
//! (docs/signatures-design.md §7, key rotation).

use super::store;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use sha2::{Digest, Sha256};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::platform::{PlatformAction, may};
use tinhso_kernel::error::PageResult;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::web::Page;

pub const PATH: &str = "/admin/exchange";

pub fn routes() -> Routes {
    Routes::new("documents").get(PATH, Access::Entity("platform"), overview)
}

/// The SHA-256 fingerprint of a PEM public key's DER, as colon-separated hex pairs.
pub fn fingerprint(pem: &str) -> String {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, body)
        .unwrap_or_default();
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

async fn overview(State(state): State<Ctx>, page: Page) -> PageResult<Response> {
    may(&state, &page.principal(), PlatformAction::Operate).await?;
    let own = super::own_key(&state)
        .ok()
        .map(|k| super::public_key_pem(k.verifying_key()));
    let last = store::last_received(&state.db).await?;
    let counts = store::delivery_counts(&state.db).await?;
    let next = super::next_key(&state).map(|k| super::public_key_pem(k.verifying_key()));
    let peers: Vec<_> = state
        .config
        .exchange
        .peers
        .iter()
        .map(|p| {
            let keys: Vec<_> = super::peer_keys(p)
                .into_iter()
                .map(|(file, key)| match key {
                    Ok(key) => context! {
                        file => file.display().to_string(), ok => true,
                        fingerprint => fingerprint(&super::public_key_pem(&key)),
                    },
                    Err(e) => context! {
                        file => file.display().to_string(), ok => false, error => e.to_string(),
                    },
                })
                .collect();
            let count = |wanted: &str| {
                counts
                    .iter()
                    .filter(|(organ, delivery, _)| {
                        delivery == wanted && p.organ_ids.iter().any(|o| super::organ_matches(o, organ))
                    })
                    .map(|(_, _, n)| *n)
                    .sum::<i64>()
            };
            context! {
                id => p.id.clone(), base_url => p.base_url.clone(), organ_ids => p.organ_ids.clone(),
                keys => keys,
                last_contact => last.iter().find(|(peer, _)| *peer == p.id).map(|(_, at)| at.clone()),
                queued => count("queued"), failed => count("failed"), sent => count("sent"),
            }
        })
        .collect();
    Ok(page
        .render(
            "exchange_admin.html",
            context! {
                exchange_id => state.config.exchange.id.clone(),
                fingerprint => own.as_deref().map(fingerprint),
                public_key => own,
                next_fingerprint => next.as_deref().map(fingerprint),
                next_public_key => next,
                fail_after_hours => state.config.exchange.fail_after_hours,
                peers => peers,
            },
        )?
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_sha256_of_the_der() {
        let key = tinhso_edxml::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let pem = super::super::public_key_pem(key.verifying_key());
        let f = fingerprint(&pem);
        assert_eq!(f.len(), 32 * 3 - 1);
        assert_eq!(f, fingerprint(&pem.replace('\n', "\r\n")));
        let other = tinhso_edxml::SigningKey::from_slice(&[8u8; 32]).unwrap();
        assert_ne!(
            f,
            fingerprint(&super::super::public_key_pem(other.verifying_key()))
        );
    }
}
