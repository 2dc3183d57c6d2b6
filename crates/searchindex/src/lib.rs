//! The embedded full-text index of the platform's search service (docs/search.md): a tantivy
//! index in the node's data folder, holding what the database's `search_entries` hold — the
//! folded words of each entry's title and body, the opaque grants of those who may find it, its
//! facet values — so that a query ranks, counts and facets a million entries in milliseconds,
//! where the database's own full-text indexes take seconds.
//!
//! The database stays the truth: the kernel (`tinhso_kernel::search`) feeds this index from the
//! database's change log and records, with each commit, the position it reached ([`Mark`]), so
//! a node that restarts goes on from there and a node that finds another database's index
//! starts over. Words arrive already folded and split by the kernel; this crate only splits on
//! spaces, so both engines match exactly the same words.

use serde::{Deserialize, Serialize};
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, Query as TantivyQuery,
    RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TantivyDocument, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{DocAddress, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, Term};

/// The tokenizer of titles and bodies: the kernel has folded and split the words already.
const TOKENIZER: &str = "folded";
/// The writer's memory before it flushes a segment (tantivy asks at least 15 MB).
const WRITER_BUDGET: usize = 32_000_000;
/// How much a word found in the title adds over the same word anywhere (the database engine's
/// `ts_rank` weights A 1.0 and B 0.4).
const TITLE_BOOST: f32 = 1.5;
/// Separates kind and id in an entry's key (neither contains it).
const KEY_SEP: char = '\u{1f}';

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Folder(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

/// One entry as the index keeps it.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub kind: String,
    pub id: String,
    /// Folded words, space-separated (title words and their joined pairs).
    pub title: String,
    /// Folded words, space-separated (keys and body).
    pub body: String,
    /// The opaque grant words of those who may find it (public entries carry the public one).
    pub grants: Vec<String>,
    /// `(facet, value)` pairs.
    pub facets: Vec<(String, String)>,
    /// When it last changed, for listing without words (newest first).
    pub updated: i64,
}

/// How far into the database's change log the index has come, and which database that log
/// belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The database's search epoch (a random value written by its migration).
    pub epoch: String,
    /// The change log's position (SQLite: a sequence number; PostgreSQL: a transaction id
    /// below which every transaction had finished).
    pub position: i64,
}

/// A search, in the index's terms.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub kinds: &'a [&'a str],
    /// Alternatives, each a list of words an entry must all hold (with whether the word is a
    /// prefix); empty lists every entry the searcher may see, newest first.
    pub groups: &'a [Vec<(String, bool)>],
    /// The searcher's grant words: an entry must carry one.
    pub grants: &'a [String],
    pub filters: &'a [(String, String)],
    /// Facets to count over every matching entry.
    pub count: &'a [&'a str],
    pub offset: usize,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: String,
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub total: u64,
    /// `(facet, value, count)`, by facet, then count (highest first), then value.
    pub facets: Vec<(String, String, u64)>,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    grants: Field,
    /// Title and body words together: what a query must match.
    words: Field,
    /// Title words again, to rank a match in the title above one in the body.
    title: Field,
    facets: Field,
    updated: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING),
        grants: b.add_text_field("grants", STRING),
        words: b.add_text_field("words", words.clone()),
        title: b.add_text_field("title", words),
        facets: b.add_facet_field("facets", FacetOptions::default()),
        updated: b.add_i64_field("updated", INDEXED | FAST),
    };
    (b.build(), fields)
}

/// The index of one node.
pub struct Index {
    index: tantivy::Index,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
}

impl Index {
    /// Opens the index kept in `folder`, or creates it. An index of another layout (an older
    /// version of this crate) is removed and created afresh: it is rebuilt from the database.
    /// Fails when another process writes to the folder (its lock is taken).
    pub fn open(folder: &Path) -> Result<Index> {
        std::fs::create_dir_all(folder)?;
        let (schema, _) = schema();
        let index = match tantivy::Index::open_or_create(MmapDirectory::open(folder)?, schema) {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(folder)?;
                std::fs::create_dir_all(folder)?;
                tantivy::Index::open_or_create(MmapDirectory::open(folder)?, self::schema().0)?
            }
            Err(e) => return Err(e.into()),
        };
        Self::with(index)
    }

    /// An index in memory (tests).
    pub fn in_memory() -> Result<Index> {
        Self::with(tantivy::Index::create_in_ram(schema().0))
    }

    fn with(index: tantivy::Index) -> Result<Index> {
        index.tokenizers().register(
            TOKENIZER,
            TextAnalyzer::from(WhitespaceTokenizer::default()),
        );
        let writer = index.writer_with_num_threads(1, WRITER_BUDGET)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            index,
            fields: schema().1,
            writer: Mutex::new(writer),
            reader,
        })
    }

    /// Where the last commit left off; `None` for a new index.
    pub fn mark(&self) -> Result<Option<Mark>> {
        let payload = self.index.load_metas()?.payload;
        Ok(payload.and_then(|p| serde_json::from_str(&p).ok()))
    }

    /// How many entries the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces `upserts` (by kind and id), removes `removals`, records `mark` and makes it all
    /// searchable at once. With `reset`, everything held before goes first.
    pub fn apply(
        &self,
        reset: bool,
        upserts: &[Entry],
        removals: &[(String, String)],
        mark: &Mark,
    ) -> Result<()> {
        let f = self.fields;
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if reset {
            writer.delete_all_documents()?;
        }
        for (kind, id) in removals {
            writer.delete_term(Term::from_field_text(f.key, &key(kind, id)));
        }
        for e in upserts {
            writer.delete_term(Term::from_field_text(f.key, &key(&e.kind, &e.id)));
            writer.add_document(self.document(e))?;
        }
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&serde_json::to_string(mark).unwrap_or_default());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        Ok(())
    }

    fn document(&self, e: &Entry) -> TantivyDocument {
        let f = self.fields;
        let mut d = TantivyDocument::new();
        d.add_text(f.key, key(&e.kind, &e.id));
        d.add_text(f.kind, &e.kind);
        for g in &e.grants {
            d.add_text(f.grants, g);
        }
        d.add_text(f.words, format!("{} {}", e.title, e.body));
        d.add_text(f.title, &e.title);
        for (name, value) in &e.facets {
            d.add_facet(f.facets, facet(name, value));
        }
        d.add_i64(f.updated, e.updated);
        d
    }

    /// Runs a search: a page of hits (best first; without words, newest first), the number of
    /// matching entries and the facet counts over all of them.
    pub fn search(&self, q: &Query<'_>) -> Result<Found> {
        let searcher = self.reader.searcher();
        let ranked = q.groups.iter().any(|g| !g.is_empty());
        let query = self.query(q, ranked);
        let page = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let mut names: Vec<&str> = q.count.to_vec();
        names.sort_unstable();
        names.dedup();
        let mut facets = FacetCollector::for_field("facets");
        for name in &names {
            facets.add_facet(Facet::from_path([*name]));
        }
        let (addresses, total, counts) = if ranked {
            let (top, total, counts) =
                searcher.search(&query, &(page.order_by_score(), Count, facets))?;
            let top: Vec<(f64, DocAddress)> =
                top.into_iter().map(|(s, a)| (f64::from(s), a)).collect();
            (top, total, counts)
        } else {
            let by_time = page.order_by_fast_field::<i64>("updated", Order::Desc);
            let (top, total, counts) = searcher.search(&query, &(by_time, Count, facets))?;
            (
                top.into_iter().map(|(_, a)| (0.0, a)).collect(),
                total,
                counts,
            )
        };
        Ok(Found {
            hits: self.hits(&searcher, addresses)?,
            total: total as u64,
            facets: facet_counts(&counts, &names),
        })
    }

    fn query(&self, q: &Query<'_>, ranked: bool) -> BooleanQuery {
        let f = self.fields;
        let mut must: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![
            (Occur::Must, unscored(any_of(f.grants, q.grants))),
            (Occur::Must, unscored(any_of(f.kind, q.kinds))),
        ];
        for (name, value) in q.filters {
            let term = Term::from_facet(f.facets, &facet(name, value));
            must.push((
                Occur::Must,
                unscored(Box::new(TermQuery::new(term, IndexRecordOption::Basic))),
            ));
        }
        if ranked {
            let groups: Vec<(Occur, Box<dyn TantivyQuery>)> = q
                .groups
                .iter()
                .filter(|g| !g.is_empty())
                .map(|g| (Occur::Should, self.all_words(g)))
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(groups))));
        }
        BooleanQuery::new(must)
    }

    /// Every word of a group (the last one perhaps as a prefix), anywhere in the entry; each
    /// also found in the title ranks the entry higher. One posting list per word to intersect
    /// (not a union of title and body), the title's only read for the entries that match.
    fn all_words(&self, group: &[(String, bool)]) -> Box<dyn TantivyQuery> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
        for (w, prefix) in group {
            let (anywhere, in_title) = if *prefix {
                match (prefix_of(f.words, w), prefix_of(f.title, w)) {
                    (Some(a), Some(t)) => (a, t),
                    _ => (word(f.words, w), word(f.title, w)),
                }
            } else {
                (word(f.words, w), word(f.title, w))
            };
            clauses.push((Occur::Must, anywhere));
            clauses.push((Occur::Should, boosted(in_title, TITLE_BOOST)));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn hits(&self, searcher: &Searcher, top: Vec<(f64, DocAddress)>) -> Result<Vec<Hit>> {
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(key) = doc.get_first(self.fields.key).and_then(|v| v.as_str()) else {
                continue;
            };
            if let Some((kind, id)) = key.split_once(KEY_SEP) {
                hits.push(Hit {
                    kind: kind.to_owned(),
                    id: id.to_owned(),
                    score,
                });
            }
        }
        Ok(hits)
    }
}

fn key(kind: &str, id: &str) -> String {
    format!("{kind}{KEY_SEP}{id}")
}

/// A facet value as a two-step path; a NUL (the path separator) cannot be part of a value.
fn facet(name: &str, value: &str) -> Facet {
    Facet::from_path([name.replace('\0', ""), value.replace('\0', "")])
}

fn word(field: Field, w: &str) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, w),
        IndexRecordOption::WithFreqs,
    ))
}

/// Words starting with `w`: the term dictionary's range from `w` to `w` followed by the
/// last code point (terms compare as UTF-8 bytes), with no automaton to compile.
fn prefix_of(field: Field, w: &str) -> Option<Box<dyn TantivyQuery>> {
    let from = Term::from_field_text(field, w);
    let to = Term::from_field_text(field, &format!("{w}{}", char::MAX));
    Some(Box::new(RangeQuery::new(
        Bound::Included(from),
        Bound::Excluded(to),
    )))
}

fn boosted(q: Box<dyn TantivyQuery>, boost: f32) -> Box<dyn TantivyQuery> {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

/// Entries holding one of `values` in `field`; none when there are none.
fn any_of<S: AsRef<str>>(field: Field, values: &[S]) -> Box<dyn TantivyQuery> {
    match values {
        [] => return Box::new(EmptyQuery),
        [one] => {
            let term = Term::from_field_text(field, one.as_ref());
            return Box::new(TermQuery::new(term, IndexRecordOption::Basic));
        }
        _ => {}
    }
    let terms = values
        .iter()
        .map(|v| {
            let term = Term::from_field_text(field, v.as_ref());
            (
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn TantivyQuery>,
            )
        })
        .collect();
    Box::new(BooleanQuery::new(terms))
}

/// A condition that does not change the ranking.
fn unscored(q: Box<dyn TantivyQuery>) -> Box<dyn TantivyQuery> {
    Box::new(ConstScoreQuery::new(q, 0.0))
}

fn facet_counts(counts: &FacetCounts, names: &[&str]) -> Vec<(String, String, u64)> {
    let mut out = Vec::new();
    for name in names {
        let mut values: Vec<(String, String, u64)> = counts
            .get(Facet::from_path([*name]))
            .filter_map(|(f, n)| {
                let path = f.to_path();
                path.last()
                    .map(|v| ((*name).to_owned(), (*v).to_owned(), n))
            })
            .collect();
        values.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
        out.extend(values);
    }
    out
}

#[cfg(test)]
mod tests;
