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

use bits::{All, Bits};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, FacetCollector, FacetCounts, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur, Query as TantivyQuery,
    RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TantivyDocument, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocId, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentReader, Term,
};

/// The tokenizer of titles and bodies: the kernel has folded and split the words already.
const TOKENIZER: &str = "folded";
/// The writer's memory before it flushes a segment (tantivy asks at least 15 MB).
const WRITER_BUDGET: usize = 32_000_000;
/// The memory kept for sets of visible documents and of prefixes' documents ([`bits`]).
const SETS_BUDGET: usize = 64 << 20;
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
    /// Whether the total and facet counts are estimates (more than [`summary::EXACT`]
    /// matches, counted from an even sample of them).
    pub estimated: bool,
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    grants: Field,
    /// Title and body words together (the title's twice, so that a word in the title ranks
    /// the entry above one where it is only in the body).
    words: Field,
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
        words: b.add_text_field("words", words),
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
    sets: bits::Cache,
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
            sets: bits::Cache::new(SETS_BUDGET),
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
        d.add_text(f.words, format!("{} {} {}", e.title, e.title, e.body));
        for (name, value) in &e.facets {
            d.add_facet(f.facets, facet(name, value));
        }
        d.add_i64(f.updated, e.updated);
        d
    }

    /// Runs a search: a page of hits (best first; without words, newest first), the number of
    /// matching entries and the facet counts over all of them (estimated from a sample past
    /// [`summary::EXACT`] matches, and then marked so).
    pub fn search(&self, q: &Query<'_>) -> Result<Found> {
        let searcher = self.reader.searcher();
        let groups: Vec<&Vec<(String, bool)>> = q.groups.iter().filter(|g| !g.is_empty()).collect();
        match groups.as_slice() {
            [] => self.matching(&searcher, q, &[]),
            [words] => self.matching(&searcher, q, words),
            _ => self.alternatives(&searcher, q),
        }
    }

    /// Entries holding every word of `group` (none: every visible entry, newest first).
    ///
    /// The page is ranked by block-max WAND over the words' posting lists: whole blocks of
    /// entries that cannot reach the page are skipped, so a broad query reads a small part of
    /// its matches. What the words do not rank (visibility, filters, a last word typed as a
    /// prefix) is a set of the segment's entries, read one bit per candidate.
    fn matching(
        &self,
        searcher: &Searcher,
        q: &Query<'_>,
        group: &[(String, bool)],
    ) -> Result<Found> {
        let f = self.fields;
        let words: Vec<Term> = group
            .iter()
            .filter(|(_, prefix)| !prefix)
            .map(|(w, _)| Term::from_field_text(f.words, w))
            .collect();
        let prefixes: Vec<&str> = group
            .iter()
            .filter(|(_, prefix)| *prefix)
            .map(|(w, _)| w.as_str())
            .collect();
        let words_query = all_of(&words);
        let ranking = match &words_query {
            Some(query) => Some(query.weight(EnableScoring::enabled_from_searcher(searcher))?),
            None => None,
        };
        let counting = match &words_query {
            Some(query) => Some(query.weight(EnableScoring::disabled_from_searcher(searcher))?),
            None => None,
        };
        let mut top = TopK::new(q.offset + q.limit.max(1));
        let mut parts = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut sets = vec![self.visible(searcher, reader, q)?];
            for prefix in &prefixes {
                sets.push(self.prefixed(searcher, reader, prefix)?);
            }
            let required = All::new(sets);
            if required.len() == 0 {
                continue;
            }
            let at = |doc| DocAddress::new(ord as u32, doc);
            match &ranking {
                Some(weight) => {
                    weight.for_each_pruning(top.threshold(), reader, &mut |doc, score| {
                        if required.contains(doc) {
                            top.push(f64::from(score), at(doc));
                        }
                        top.threshold()
                    })?;
                }
                None => newest(reader, &required, &mut |updated, doc| {
                    top.push(updated as f64, at(doc))
                })?,
            }
            let inverted = reader.inverted_index(f.words)?;
            let words_bound = words
                .iter()
                .map(|t| inverted.doc_freq(t).map(u64::from))
                .collect::<std::io::Result<Vec<u64>>>()?
                .into_iter()
                .min();
            parts.push(summary::Part {
                reader,
                required,
                words_bound,
            });
        }
        let names = facet_names(q);
        let summary = summary::summarise(&parts, counting.as_deref(), &names)?;
        let ranked = ranking.is_some();
        let page = top
            .into_sorted()
            .into_iter()
            .skip(q.offset)
            .map(|(key, at)| (if ranked { key } else { 0.0 }, at))
            .collect();
        Ok(Found {
            hits: self.hits(searcher, page)?,
            total: summary.total,
            facets: summary.facets,
            estimated: summary.estimated,
        })
    }

    /// The entries of a segment the searcher may see among the kinds and filters asked for.
    fn visible(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        q: &Query<'_>,
    ) -> Result<Arc<Bits>> {
        let f = self.fields;
        let mut grants: Vec<&str> = q.grants.iter().map(String::as_str).collect();
        grants.sort_unstable();
        let mut kinds = q.kinds.to_vec();
        kinds.sort_unstable();
        let mut filters: Vec<String> = q.filters.iter().map(|(n, v)| format!("{n}={v}")).collect();
        filters.sort_unstable();
        let what = format!(
            "visible\u{1f}{}\u{1f}{}\u{1f}{}",
            grants.join(" "),
            kinds.join(" "),
            filters.join("\u{1e}")
        );
        let mut conditions: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![
            (Occur::Must, any_of(f.grants, q.grants)),
            (Occur::Must, any_of(f.kind, q.kinds)),
        ];
        for (name, value) in q.filters {
            let term = Term::from_facet(f.facets, &facet(name, value));
            conditions.push((
                Occur::Must,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            ));
        }
        self.set_of(searcher, reader, what, &BooleanQuery::new(conditions))
    }

    /// The entries of a segment holding a word that starts with `prefix`.
    fn prefixed(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        prefix: &str,
    ) -> Result<Arc<Bits>> {
        let what = format!("prefix\u{1f}{prefix}");
        self.set_of(
            searcher,
            reader,
            what,
            prefix_of(self.fields.words, prefix).as_ref(),
        )
    }

    fn set_of(
        &self,
        searcher: &Searcher,
        reader: &SegmentReader,
        what: String,
        query: &dyn TantivyQuery,
    ) -> Result<Arc<Bits>> {
        let key = bits::Key {
            segment: reader.segment_id(),
            deletes: reader.delete_opstamp(),
            what,
        };
        self.sets.get_or_make(key, || -> Result<Bits> {
            let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
            let mut set = Bits::new(reader.max_doc());
            weight.for_each_no_score(reader, &mut |docs| {
                for &doc in docs {
                    if !reader.is_deleted(doc) {
                        set.insert(doc);
                    }
                }
            })?;
            Ok(set)
        })
    }

    /// Entries matching one of several word groups (a query of "all words but one"): rare,
    /// answered by reading every match.
    fn alternatives(&self, searcher: &Searcher, q: &Query<'_>) -> Result<Found> {
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
        let groups: Vec<(Occur, Box<dyn TantivyQuery>)> = q
            .groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| (Occur::Should, self.all_words(g)))
            .collect();
        must.push((Occur::Must, Box::new(BooleanQuery::new(groups))));
        let query = BooleanQuery::new(must);
        let page = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let names = facet_names(q);
        let mut facets = FacetCollector::for_field("facets");
        for name in &names {
            facets.add_facet(Facet::from_path([*name]));
        }
        let (top, total, counts) =
            searcher.search(&query, &(page.order_by_score(), Count, facets))?;
        let top = top.into_iter().map(|(s, a)| (f64::from(s), a)).collect();
        Ok(Found {
            hits: self.hits(searcher, top)?,
            total: total as u64,
            facets: facet_counts(&counts, &names),
            estimated: false,
        })
    }

    /// Every word of a group (the last one perhaps as a prefix).
    fn all_words(&self, group: &[(String, bool)]) -> Box<dyn TantivyQuery> {
        let f = self.fields;
        let clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = group
            .iter()
            .map(|(w, prefix)| {
                let query = if *prefix {
                    prefix_of(f.words, w)
                } else {
                    word(f.words, w)
                };
                (Occur::Must, query)
            })
            .collect();
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
fn prefix_of(field: Field, w: &str) -> Box<dyn TantivyQuery> {
    let from = Term::from_field_text(field, w);
    let to = Term::from_field_text(field, &format!("{w}{}", char::MAX));
    Box::new(RangeQuery::new(Bound::Included(from), Bound::Excluded(to)))
}

/// Entries holding every one of `words`, ranked by them (BM25); `None` without words. Term
/// queries alone, so that tantivy ranks them by block-max WAND.
fn all_of(words: &[Term]) -> Option<Box<dyn TantivyQuery>> {
    let scored = |t: &Term| {
        Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs)) as Box<dyn TantivyQuery>
    };
    match words {
        [] => None,
        [one] => Some(scored(one)),
        _ => Some(Box::new(BooleanQuery::new(
            words.iter().map(|t| (Occur::Must, scored(t))).collect(),
        ))),
    }
}

/// The facets to count, each once, in order.
fn facet_names<'a>(q: &Query<'a>) -> Vec<&'a str> {
    let mut names: Vec<&str> = q.count.to_vec();
    names.sort_unstable();
    names.dedup();
    names
}

/// Calls `found(updated, doc)` for the segment's newest `required` entries — at least as many
/// as any page can show (reading the `updated` column's values in ranges from the newest, so
/// a segment of a million visible entries is not read whole), or all of them when few.
fn newest(reader: &SegmentReader, required: &All, found: &mut dyn FnMut(i64, DocId)) -> Result<()> {
    const ENOUGH: u64 = 1_000;
    let updated = reader.fast_fields().i64("updated")?;
    let max_doc = reader.max_doc();
    if required.len() <= 50_000 {
        for doc in required.range(0, max_doc) {
            if let Some(t) = updated.first(doc) {
                found(t, doc);
            }
        }
        return Ok(());
    }
    let (low, high) = (updated.min_value(), updated.max_value());
    let span = (i128::from(high) - i128::from(low)).max(1);
    let mut share = ENOUGH as f64 * 4.0 / required.len() as f64;
    let mut docs = Vec::new();
    loop {
        let back = (span as f64 * share.min(1.0)) as i128;
        let from = (i128::from(high) - back).max(i128::from(low)) as i64;
        docs.clear();
        updated.get_docids_for_value_range(from..=high, 0..max_doc, &mut docs);
        let kept: Vec<DocId> = docs
            .iter()
            .copied()
            .filter(|d| required.contains(*d))
            .collect();
        if kept.len() as u64 >= ENOUGH || from <= low {
            for doc in kept {
                if let Some(t) = updated.first(doc) {
                    found(t, doc);
                }
            }
            return Ok(());
        }
        share *= 4.0;
    }
}

/// The best `k` of what is pushed, by key (higher first; for equal keys, earlier first).
struct TopK {
    k: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

/// A pushed entry: its key, then its address (an earlier one is the better of equal keys).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    key: f64,
    at: (u32, DocId),
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key
            .total_cmp(&other.key)
            .then_with(|| other.at.cmp(&self.at))
    }
}

impl TopK {
    fn new(k: usize) -> TopK {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    fn push(&mut self, key: f64, at: DocAddress) {
        let item = Ranked {
            key,
            at: (at.segment_ord, at.doc_id),
        };
        if self.heap.len() < self.k {
            self.heap.push(Reverse(item));
        } else if self.heap.peek().is_some_and(|least| item > least.0) {
            self.heap.pop();
            self.heap.push(Reverse(item));
        }
    }

    /// What a candidate's score must exceed to enter (block-max WAND skips what cannot).
    fn threshold(&self) -> f32 {
        match self.heap.peek() {
            Some(least) if self.heap.len() >= self.k => least.0.key as f32,
            _ => f32::MIN,
        }
    }

    /// Best first.
    fn into_sorted(self) -> Vec<(f64, DocAddress)> {
        let mut items: Vec<Ranked> = self.heap.into_iter().map(|r| r.0).collect();
        items.sort_by(|a, b| b.cmp(a));
        items
            .into_iter()
            .map(|r| (r.key, DocAddress::new(r.at.0, r.at.1)))
            .collect()
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

mod bits;
mod summary;

#[cfg(test)]
mod tests;
