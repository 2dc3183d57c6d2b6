//! Document search (issue 14 item 5) on the kernel's search service: each document is indexed
//! with its metadata, facets and readers whenever its row is written (the store calls
//! [`reindex`] in the same transaction), and a search answers only with what the searcher may
//! read — the readers mirror `DocumentPolicy`, so totals and facet counts leave the rest out,
//! and every returned document is checked against the policy once more.

pub mod api;
pub mod store;

use crate::{Direction, Document};
use tinhso_kernel::Ctx;
use tinhso_kernel::auth::{Role, User};
use tinhso_kernel::db::Conn;
use tinhso_kernel::error::AppError;
use tinhso_kernel::search::{self, Entry};

/// The kind of the index's document entries.
pub const KIND: &str = "document";

/// The facets a document search counts, as the API names them.
pub const FACETS: [&str; 5] = ["type", "organ", "year", "state", "urgency"];

/// The grants that read a document: the same people as `DocumentPolicy` (policy.rs `reads`).
/// Outgoing: its drafter, the leaders of the reviewing unit, the clerks and leaders of the
/// issuing agency. Incoming: the officials of the agency that received it.
pub fn readers(d: &Document) -> Vec<String> {
    match d.direction {
        Direction::Out => {
            let mut out = vec![
                format!("leader:{}", d.reviewing_unit()),
                format!("clerk:{}", d.agency_id),
                format!("leader:{}", d.agency_id),
            ];
            if let Some(drafter) = &d.drafter_id {
                out.push(format!("user:{drafter}"));
            }
            out
        }
        Direction::In => vec![format!("official:{}", d.agency_id)],
    }
}

/// The grants a person searches with (none for anyone but an official of an agency).
pub fn grants(user: &User) -> Vec<String> {
    let Some(agency) = user.agency_id.as_deref().filter(|_| user.is_official()) else {
        return Vec::new();
    };
    let mut out = vec![format!("user:{}", user.id), format!("official:{agency}")];
    if user.has_role(Role::DocumentClerk) {
        out.push(format!("clerk:{agency}"));
    }
    if user.has_role(Role::Leader) {
        out.push(format!("leader:{agency}"));
    }
    out
}

/// The year a document is filed under: its register's, else its date's, else its creation's.
fn year(d: &Document) -> String {
    d.reg_year.map(|y| y.to_string()).unwrap_or_else(|| {
        d.issued_date
            .as_deref()
            .unwrap_or(&d.created_at)
            .chars()
            .take(4)
            .collect()
    })
}

/// The text extracted from the document's latest file whose extraction is done, if any.
async fn extracted_text(tx: &mut Conn, document_id: &str) -> Result<Option<String>, AppError> {
    crate::store::texts::latest_done_in(tx, document_id).await
}

/// Indexes the document again from its row, in the caller's transaction; `text` is the text of
/// its file when the caller has it (the extraction job), otherwise the stored extraction is
/// used. A document that no longer exists leaves the index.
pub async fn reindex(tx: &mut Conn, document_id: &str, text: Option<&str>) -> Result<(), AppError> {
    match indexed_parts(tx, document_id, text).await? {
        Some(parts) => search::index(tx, &parts.entry()).await,
        None => search::remove(tx, KIND, document_id).await,
    }
}

/// What a document's entry is made of: its row, and the texts its words are found in.
struct Parts {
    d: Document,
    body: String,
    keys: String,
}

/// A document's parts, read in the caller's transaction; `None` when it no longer exists.
async fn indexed_parts(
    tx: &mut Conn,
    document_id: &str,
    text: Option<&str>,
) -> Result<Option<Parts>, AppError> {
    let Some(d) = store::document_in(tx, document_id).await? else {
        return Ok(None);
    };
    let stored = match text {
        Some(_) => None,
        None => extracted_text(tx, document_id).await?,
    };
    let text = text.or(stored.as_deref()).unwrap_or_default();
    let body = if text.is_empty() {
        d.description.clone()
    } else {
        format!("{}\n{text}", d.description)
    };
    let keys = [
        d.code_notation.as_deref().unwrap_or_default(),
        d.code_number.as_deref().unwrap_or_default(),
        d.doc_type.name_vi(),
        &d.organ_name,
        &d.organ_id,
        &d.signer_full_name,
    ]
    .join(" ");
    Ok(Some(Parts { d, body, keys }))
}

impl Parts {
    fn entry(&self) -> Entry<'_> {
        let d = &self.d;
        Entry {
            kind: KIND,
            id: &d.id,
            public: false,
            readers: readers(d),
            facets: vec![
                ("type", d.doc_type.as_str().to_owned()),
                ("organ", d.organ_id.clone()),
                ("year", year(d)),
                ("state", d.state.as_str().to_owned()),
                ("urgency", d.urgency.as_str().to_owned()),
                ("direction", d.direction.as_str().to_owned()),
            ],
            title: &d.subject,
            body: &self.body,
            keys: &self.keys,
        }
    }
}

const BACKFILL_NAME: &str = "officialdocs.search";

/// Indexes the documents the index does not hold yet (a database from before search, or rows
/// written by hand), a batch at a time in the background; nothing to do once every document is
/// indexed.
pub const BACKFILL: tinhso_kernel::module::Backfill = tinhso_kernel::module::Backfill {
    name: BACKFILL_NAME,
    step: |ctx, after, limit| Box::pin(backfill_step(ctx, after, limit)),
};

const INDEXED: search::Indexed = search::Indexed {
    backfill: BACKFILL_NAME,
    kind: KIND,
    table: "documents",
    id_column: "id",
    filter: "1 = 1",
};

async fn backfill_step(
    ctx: &Ctx,
    after: Option<String>,
    limit: usize,
) -> anyhow::Result<Option<String>> {
    let (mut tx, ids) = search::next_unindexed(&ctx.db, &INDEXED, after.as_deref(), limit).await?;
    let mut parts = Vec::with_capacity(ids.len());
    for id in &ids {
        parts.extend(indexed_parts(&mut tx, id, None).await?);
    }
    let entries: Vec<Entry> = parts.iter().map(Parts::entry).collect();
    search::index_new(&mut tx, ctx.db.backend, &entries).await?;
    tx.commit().await?;
    Ok(ids.last().cloned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::State;
    use crate::policy::{DocumentAction, DocumentPolicy};
    use tinhso_domain::official_doc::incoming::IncomingState;
    use tinhso_domain::official_doc::outgoing::OutgoingState;
    use tinhso_domain::official_doc::{DocType, Urgency};
    use tinhso_kernel::auth::UserKind;

    fn person(id: &str, kind: UserKind, agency: Option<&str>, roles: &[Role]) -> User {
        User {
            id: id.into(),
            kind,
            full_name: id.into(),
            email: None,
            agency_id: agency.map(Into::into),
            roles: roles.to_vec(),
            totp_enabled: true,
        }
    }

    fn doc(direction: Direction, unit: Option<&str>) -> Document {
        Document {
            id: "d".into(),
            agency_id: "stp".into(),
            direction,
            state: match direction {
                Direction::Out => State::Out(OutgoingState::Draft),
                Direction::In => State::In(IncomingState::Registered),
            },
            doc_type: DocType::Decision,
            urgency: Urgency::Normal,
            subject: "Quyết định".into(),
            drafting_unit_id: unit.map(Into::into),
            drafter_id: Some("drafter".into()),
            signer_position: String::new(),
            signer_full_name: String::new(),
            authority_prefix: None,
            page_amount: 1,
            issued_amount: 1,
            description: String::new(),
            due_date: None,
            code_number: None,
            code_notation: None,
            issued_date: None,
            organ_id: "000.00.14.H56".into(),
            organ_name: "Sở Tư pháp".into(),
            reg_number: None,
            reg_year: None,
            arrival_date: None,
            source: None,
            origin_id: None,
            created_at: "2026-11-28T01:00:00Z".into(),
            updated_at: "2026-11-28T01:00:00Z".into(),
        }
    }

    /// Whoever the index lets find a document is exactly whom the policy lets read it.
    #[test]
    fn the_index_readers_are_the_policy_readers() {
        use Role::*;
        let people = [
            person("drafter", UserKind::Official, Some("hctp"), &[Specialist]),
            person("other", UserKind::Official, Some("stp"), &[Specialist]),
            person(
                "other-unit",
                UserKind::Official,
                Some("hctp"),
                &[Specialist],
            ),
            person("head", UserKind::Official, Some("hctp"), &[Leader]),
            person("boss", UserKind::Official, Some("stp"), &[Leader]),
            person("clerk", UserKind::Official, Some("stp"), &[DocumentClerk]),
            person(
                "far-clerk",
                UserKind::Official,
                Some("xyz"),
                &[DocumentClerk],
            ),
            person("citizen", UserKind::Citizen, None, &[]),
            person("drafter", UserKind::Citizen, Some("stp"), &[]),
        ];
        for d in [
            doc(Direction::Out, Some("hctp")),
            doc(Direction::Out, None),
            doc(Direction::In, None),
        ] {
            let readers = readers(&d);
            for p in &people {
                let finds = grants(p).iter().any(|g| readers.contains(g));
                let reads = DocumentPolicy::decision(p, &d, DocumentAction::View).is_ok();
                assert_eq!(
                    finds, reads,
                    "{} on {:?} {:?}",
                    p.id, d.direction, d.drafting_unit_id
                );
            }
        }
    }
}
