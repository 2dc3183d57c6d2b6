//! The `q`, `fq` and `sort` grammars of CKAN's `package_search` (docs/opendata-design.md §6.2)
//! and their evaluation over the published catalogue, pure: what the CKAN harvester and
//! ckanapi send — `field:value`, `field:"value"`, `field:(a OR b)`, `field:[from TO to]` with
//! `*`, `+`/`-`, `A OR B` between clauses, quoted phrases and words without diacritics.
//! Solr's date maths (`NOW-1DAY`) and unknown fields are refused, naming what was refused.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use tinhso_domain::text::fold;

/// The fields `fq` (and `field:value` in `q`) may name.
pub const FIELDS: [&str; 12] = [
    "organization",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "name",
    "id",
    "metadata_modified",
    "metadata_created",
    "capacity",
    "state",
    "type",
];

/// The sort keys.
pub const SORT_KEYS: [&str; 6] = [
    "score",
    "metadata_modified",
    "metadata_created",
    "title_string",
    "name",
    "id",
];

/// Why a query is refused: CKAN's `Search Query Error` (400) or `Search Error` (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// A query CKAN refuses before Solr (a bad sort).
    Query(String),
    /// What Solr refuses (an undefined field, date maths).
    Search(String),
}

/// One published dataset as the search sees it.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    pub id: String,
    pub name: String,
    pub title: String,
    pub organization: String,
    pub groups: Vec<String>,
    pub tags: Vec<String>,
    pub res_format: Vec<String>,
    pub license_id: String,
    /// Naive UTC ISO, as CKAN writes them.
    pub metadata_modified: String,
    pub metadata_created: String,
    /// Everything searched by words (title, notes, tags, names), any case and diacritics.
    pub text: String,
    /// `text` and `title` as [`Doc::score`] reads them (folded words between spaces), made
    /// once by [`Doc::prepared`] when the catalogue is read rather than at every search:
    /// folding every dataset's text made a search of 10,000 datasets take a core for a
    /// quarter of a second (docs/benchmarks.md, "Open data (issue 17)"). Empty: made per search.
    pub folded: String,
    pub folded_title: String,
}

/// Folded words between single spaces, and a space at each end.
fn padded_words(text: &str) -> String {
    format!(" {} ", words_of(text).join(" "))
}

impl Doc {
    /// The document with its folded text made (see [`Doc::folded`]).
    pub fn prepared(mut self) -> Doc {
        self.folded = padded_words(&self.text);
        self.folded_title = padded_words(&self.title);
        self
    }

    /// The values of `field` (a name of [`FIELDS`]) this dataset has.
    pub fn values(&self, field: &str) -> Vec<&str> {
        match field {
            "organization" => vec![self.organization.as_str()],
            "groups" => self.groups.iter().map(String::as_str).collect(),
            "tags" => self.tags.iter().map(String::as_str).collect(),
            "res_format" => self.res_format.iter().map(String::as_str).collect(),
            "license_id" => vec![self.license_id.as_str()],
            "name" => vec![self.name.as_str()],
            "id" => vec![self.id.as_str()],
            "metadata_modified" => vec![self.metadata_modified.as_str()],
            "metadata_created" => vec![self.metadata_created.as_str()],
            "capacity" => vec!["public"],
            "state" => vec!["active"],
            "type" => vec!["dataset"],
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Any,
    Value(String),
    Range(Option<String>, Option<String>),
    /// A bare word or phrase in `fq`, searched in the text like `q`'s.
    Text(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negate: bool,
    field: String,
    alternatives: Vec<Term>,
}

/// A parsed query: all groups must match, a group when any of its clauses does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    groups: Vec<Vec<Clause>>,
    /// `q`'s folded words and phrases, each of which must occur.
    words: Vec<Vec<String>>,
    /// Each of `words` as [`Query::score`] looks for it: between spaces, made once.
    needles: Vec<String>,
}

fn is_date(field: &str) -> bool {
    field == "metadata_modified" || field == "metadata_created"
}

/// Splits at spaces outside quotes, parentheses and brackets.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quoted, mut escaped) = (0i32, false, false);
    for c in text.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                cur.push(c);
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '(' | '[' | '{' if !quoted => {
                depth += 1;
                cur.push(c);
            }
            ')' | ']' | '}' if !quoted => {
                depth -= 1;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted && depth <= 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in v.chars() {
        if c == '\\' && !escaped {
            escaped = true;
        } else {
            out.push(c);
            escaped = false;
        }
    }
    out
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v);
    unescape(v)
}

fn words_of(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn bound(field: &str, v: &str) -> Result<Option<String>, QueryError> {
    let v = unquote(v);
    if v == "*" {
        return Ok(None);
    }
    if v.contains("NOW") {
        return Err(QueryError::Search(format!(
            "Search error: date maths are not supported in {field}: {v}"
        )));
    }
    Ok(Some(if is_date(field) {
        v.trim_end_matches('Z').to_owned()
    } else {
        v
    }))
}

fn term(field: &str, value: &str) -> Result<Vec<Term>, QueryError> {
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
        let mut out = Vec::new();
        for t in tokens(inner) {
            if t != "OR" {
                out.extend(term(field, &t)?);
            }
        }
        return Ok(out);
    }
    let range = value
        .strip_prefix(['[', '{'])
        .and_then(|v| v.strip_suffix([']', '}']));
    if let Some(inner) = range {
        let parts: Vec<&str> = inner.split(" TO ").collect();
        let [from, to] = parts[..] else {
            return Err(QueryError::Search(format!(
                "Search error: a range is [from TO to]: {field}:{value}"
            )));
        };
        return Ok(vec![Term::Range(bound(field, from)?, bound(field, to)?)]);
    }
    let v = unquote(value);
    if v == "*" {
        return Ok(vec![Term::Any]);
    }
    if is_date(field) {
        return Ok(vec![Term::Range(bound(field, &v)?, bound(field, &v)?)]);
    }
    Ok(vec![Term::Value(v)])
}

fn clause(token: &str) -> Result<Clause, QueryError> {
    let (negate, body) = match token.as_bytes().first() {
        Some(b'-') => (true, &token[1..]),
        Some(b'+') => (false, &token[1..]),
        _ => (false, token),
    };
    match body.split_once(':') {
        Some((field, value)) if !body.starts_with('"') => {
            if field == "*" && value == "*" {
                return Ok(Clause {
                    negate,
                    field: "*".into(),
                    alternatives: vec![Term::Any],
                });
            }
            if !FIELDS.contains(&field) {
                return Err(QueryError::Search(format!(
                    "Search error: undefined field {field}"
                )));
            }
            Ok(Clause {
                negate,
                field: field.to_owned(),
                alternatives: term(field, value)?,
            })
        }
        _ => Ok(Clause {
            negate,
            field: "text".into(),
            alternatives: vec![Term::Text(words_of(&unquote(body)))],
        }),
    }
}

fn filter_groups(text: &str) -> Result<Vec<Vec<Clause>>, QueryError> {
    let mut groups: Vec<Vec<Clause>> = Vec::new();
    let mut join = false;
    for t in tokens(text) {
        match t.as_str() {
            "OR" | "||" => join = !groups.is_empty(),
            "AND" | "&&" => join = false,
            _ => {
                let c = clause(&t)?;
                match groups.last_mut() {
                    Some(last) if join => last.push(c),
                    _ => groups.push(vec![c]),
                }
                join = false;
            }
        }
    }
    Ok(groups)
}

/// The longest `q` or `fq` read, in bytes: far beyond what a person or harvester types.
const MAX_QUERY_BYTES: usize = 4096;
/// The deepest nesting of parentheses read: the grammar recurses once per level.
const MAX_QUERY_DEPTH: usize = 8;

/// Refuses a query too long or too deeply nested to read in bounded time and stack, as Solr
/// refuses what it cannot parse (CKAN's "Search Query Error").
fn within_limits(what: &str, text: &str) -> Result<(), QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(QueryError::Query(format!(
            "Search Query is invalid: {what} is longer than {MAX_QUERY_BYTES} bytes"
        )));
    }
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_QUERY_DEPTH {
            return Err(QueryError::Query(format!(
                "Search Query is invalid: {what} nests parentheses deeper than {MAX_QUERY_DEPTH}"
            )));
        }
    }
    Ok(())
}

/// The catalogue's folded words → the positions of the documents holding them, ascending: a
/// search by words then scores only the documents that hold every word of its `q` rather than
/// the whole catalogue (10,000 substring searches a request, docs/benchmarks.md, open data).
#[derive(Debug, Default)]
pub struct WordIndex {
    postings: HashMap<String, Vec<u32>>,
}

impl WordIndex {
    pub fn of(docs: &[Doc]) -> WordIndex {
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
        for (at, doc) in docs.iter().enumerate() {
            let at = at as u32;
            let folded = if doc.folded.is_empty() {
                Cow::Owned(padded_words(&doc.text))
            } else {
                Cow::Borrowed(doc.folded.as_str())
            };
            for word in folded.split(' ').filter(|w| !w.is_empty()) {
                let list = postings.entry(word.to_owned()).or_default();
                if list.last() != Some(&at) {
                    list.push(at);
                }
            }
        }
        WordIndex { postings }
    }

    /// The positions (among `count` documents) of those that may match `query`: the ones
    /// holding every word of its `q`, or all of them when `q` has no words. [`Query::score`]
    /// still decides (phrases, `fq`).
    pub fn candidates(&self, query: &Query, count: usize) -> Vec<usize> {
        let mut words: Vec<&str> = query.words.iter().flatten().map(String::as_str).collect();
        if words.is_empty() {
            return (0..count).collect();
        }
        words.sort_unstable();
        words.dedup();
        let mut lists = Vec::with_capacity(words.len());
        for w in words {
            match self.postings.get(w) {
                Some(list) => lists.push(list),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|l| l.len());
        let (shortest, rest) = lists.split_first().expect("at least one word");
        shortest
            .iter()
            .filter(|at| rest.iter().all(|l| l.binary_search(at).is_ok()))
            .map(|at| *at as usize)
            .collect()
    }
}

impl Query {
    /// `q` (words, phrases, `field:value`, `*:*`) and the `fq` strings.
    pub fn parse(q: &str, fqs: &[String]) -> Result<Query, QueryError> {
        within_limits("q", q)?;
        for fq in fqs {
            within_limits("fq", fq)?;
        }
        let mut query = Query::default();
        for t in tokens(q) {
            let bare = t.trim_start_matches(['+', '-']);
            if t == "*:*" || t == "OR" || t == "AND" {
                continue;
            }
            if bare.contains(':') && !bare.starts_with('"') {
                query.groups.push(vec![clause(&t)?]);
            } else {
                let words = words_of(&unquote(bare));
                if !words.is_empty() {
                    query.words.push(words);
                }
            }
        }
        for fq in fqs {
            query.groups.extend(filter_groups(fq)?);
        }
        query.needles = query
            .words
            .iter()
            .map(|w| format!(" {} ", w.join(" ")))
            .collect();
        Ok(query)
    }

    fn clause_matches(c: &Clause, doc: &Doc, folded: &str) -> bool {
        let hit = c.alternatives.iter().any(|t| match t {
            Term::Any => c.field == "*" || !doc.values(&c.field).iter().all(|v| v.is_empty()),
            Term::Value(v) => doc.values(&c.field).contains(&v.as_str()),
            Term::Range(from, to) => doc.values(&c.field).iter().any(|v| {
                from.as_deref().is_none_or(|f| *v >= f) && to.as_deref().is_none_or(|t| *v <= t)
            }),
            Term::Text(words) => phrase_in(folded, words),
        });
        hit != c.negate
    }

    /// Whether `doc` matches, and its score (word occurrences, the title's counted thrice).
    pub fn score(&self, doc: &Doc) -> Option<u32> {
        let (folded, title) = if doc.folded.is_empty() {
            (
                Cow::Owned(padded_words(&doc.text)),
                Cow::Owned(padded_words(&doc.title)),
            )
        } else {
            (
                Cow::Borrowed(doc.folded.as_str()),
                Cow::Borrowed(doc.folded_title.as_str()),
            )
        };
        let (folded, title) = (folded.as_ref(), title.as_ref());
        for group in &self.groups {
            if !group.iter().any(|c| Self::clause_matches(c, doc, folded)) {
                return None;
            }
        }
        let mut score = 0;
        for needle in &self.needles {
            let in_text = folded.matches(needle.as_str()).count() as u32;
            if in_text == 0 {
                return None;
            }
            score += in_text + 3 * title.matches(needle.as_str()).count() as u32;
        }
        Some(score)
    }
}

fn phrase_in(folded: &str, words: &[String]) -> bool {
    words.is_empty() || folded.contains(&format!(" {} ", words.join(" ")))
}

/// A parsed `sort`: keys with `true` for descending.
pub fn parse_sort(sort: &str) -> Result<Vec<(&'static str, bool)>, QueryError> {
    let bad =
        || QueryError::Query("Search Query is invalid: ('Invalid \"sort\" parameter',)".into());
    let mut out = Vec::new();
    for part in sort.split(',') {
        let mut it = part.split_whitespace();
        let (Some(key), dir, None) = (it.next(), it.next(), it.next()) else {
            return Err(bad());
        };
        let key = SORT_KEYS.iter().find(|k| **k == key).ok_or_else(bad)?;
        let desc = match dir.unwrap_or("asc") {
            "asc" => false,
            "desc" => true,
            _ => return Err(bad()),
        };
        out.push((*key, desc));
    }
    if out.is_empty() || out.len() > 3 {
        return Err(bad());
    }
    Ok(out)
}

/// Orders scored matches by `sort`, the id last so the order is total.
pub fn order<T>(hits: &mut [(u32, &Doc, T)], sort: &[(&str, bool)]) {
    hits.sort_by(|(sa, a, _), (sb, b, _)| {
        for (key, desc) in sort {
            let o = match *key {
                "score" => sa.cmp(sb),
                "metadata_modified" => a.metadata_modified.cmp(&b.metadata_modified),
                "metadata_created" => a.metadata_created.cmp(&b.metadata_created),
                "title_string" => a.title.cmp(&b.title),
                "name" => a.name.cmp(&b.name),
                _ => a.id.cmp(&b.id),
            };
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    });
}

/// Counts of each value of `field` over `docs`: at least `mincount`, the `limit` largest
/// (all when negative), larger counts first then by value.
pub fn facet(docs: &[&Doc], field: &str, mincount: i64, limit: i64) -> Vec<(String, i64)> {
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for d in docs {
        let mut seen: Vec<&str> = d.values(field);
        seen.sort_unstable();
        seen.dedup();
        for v in seen.into_iter().filter(|v| !v.is_empty()) {
            *counts.entry(v).or_default() += 1;
        }
    }
    let mut out: Vec<(String, i64)> = counts
        .into_iter()
        .filter(|(_, n)| *n >= mincount)
        .map(|(v, n)| (v.to_owned(), n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if limit >= 0 {
        out.truncate(limit as usize);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, org: &str, tags: &[&str], modified: &str, title: &str) -> Doc {
        Doc {
            id: id.into(),
            name: format!("ds-{id}"),
            title: title.into(),
            organization: org.into(),
            groups: vec!["tu-phap".into()],
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            res_format: vec!["CSV".into()],
            license_id: "cc-by".into(),
            metadata_modified: modified.into(),
            metadata_created: modified.into(),
            text: format!("{title} {}", tags.join(" ")),
            ..Doc::default()
        }
    }

    #[test]
    fn a_query_too_long_or_too_deep_is_refused_before_it_is_read() {
        let deep = format!("tags:{}x{}", "(".repeat(50_000), ")".repeat(50_000));
        assert!(matches!(
            Query::parse(&deep, &[]),
            Err(QueryError::Query(_))
        ));
        assert!(matches!(
            Query::parse("", std::slice::from_ref(&deep)),
            Err(QueryError::Query(_))
        ));
        let long = "truong ".repeat(1000);
        assert!(matches!(
            Query::parse(&long, &[]),
            Err(QueryError::Query(_))
        ));
        let eight = format!("tags:{}x{}", "(".repeat(8), ")".repeat(8));
        assert!(Query::parse(&eight, &[]).is_ok(), "eight levels are read");
        let nine = format!("tags:{}x{}", "(".repeat(9), ")".repeat(9));
        assert!(Query::parse(&nine, &[]).is_err(), "nine are not");
    }

    fn ids(q: &str, fq: &[&str], docs: &[Doc]) -> Result<Vec<String>, QueryError> {
        let fq: Vec<String> = fq.iter().map(|s| (*s).to_owned()).collect();
        let query = Query::parse(q, &fq)?;
        Ok(docs
            .iter()
            .filter(|d| query.score(d).is_some())
            .map(|d| d.id.clone())
            .collect())
    }

    #[test]
    fn queries_select_what_ckan_would() {
        let docs = [
            doc(
                "1",
                "a",
                &["công chứng"],
                "2026-11-01T00:00:00.000000",
                "Tổ chức công chứng",
            ),
            doc(
                "2",
                "b",
                &["hộ tịch"],
                "2026-11-20T00:00:00.000000",
                "Đăng ký khai sinh",
            ),
            doc(
                "3",
                "c",
                &["hộ tịch", "khai sinh"],
                "2026-11-28T10:00:00.000000",
                "Trường học",
            ),
        ];
        let cases: &[(&str, &[&str], &[&str])] = &[
            ("", &[], &["1", "2", "3"]),
            ("*:*", &[], &["1", "2", "3"]),
            ("cong chung", &[], &["1"]),
            ("\"dang ky\"", &[], &["2"]),
            ("\"ky dang\"", &[], &[]),
            ("KHAI SINH", &[], &["2", "3"]),
            ("organization:b", &[], &["2"]),
            ("", &["organization:a OR organization:b"], &["1", "2"]),
            ("", &["-organization:a"], &["2", "3"]),
            ("", &["+organization:(a OR c)"], &["1", "3"]),
            ("", &["tags:\"hộ tịch\" -organization:b"], &["3"]),
            (
                "",
                &["metadata_modified:[2026-11-20T00:00:00Z TO *]"],
                &["2", "3"],
            ),
            (
                "",
                &["metadata_modified:[* TO 2026-11-19T00:00:00Z]"],
                &["1"],
            ),
            ("", &["res_format:CSV capacity:public"], &["1", "2", "3"]),
            ("", &["res_format:PDF"], &[]),
            ("", &["organization:*"], &["1", "2", "3"]),
            ("", &["organization:a", "groups:tu-phap"], &["1"]),
        ];
        // The catalogue's documents are prepared once; each selects and scores as if not.
        let prepared: Vec<Doc> = docs.iter().cloned().map(Doc::prepared).collect();
        for (q, fq, want) in cases {
            assert_eq!(ids(q, fq, &docs).unwrap(), *want, "q={q} fq={fq:?}");
            assert_eq!(ids(q, fq, &prepared).unwrap(), *want, "q={q} fq={fq:?}");
            let query = Query::parse(q, &[]).unwrap();
            for (d, p) in docs.iter().zip(&prepared) {
                assert_eq!(query.score(d), query.score(p), "q={q}");
            }
            // The word index leaves out only documents the full scan does not select.
            let fq: Vec<String> = fq.iter().map(|s| (*s).to_owned()).collect();
            let query = Query::parse(q, &fq).unwrap();
            for index in [WordIndex::of(&docs), WordIndex::of(&prepared)] {
                let through_index: Vec<&str> = index
                    .candidates(&query, prepared.len())
                    .into_iter()
                    .filter(|at| query.score(&prepared[*at]).is_some())
                    .map(|at| prepared[at].id.as_str())
                    .collect();
                assert_eq!(through_index, *want, "index: q={q} fq={fq:?}");
            }
        }
        let query = Query::parse("khai sinh", &[]).unwrap();
        let index = WordIndex::of(&prepared);
        assert_eq!(
            index.candidates(&query, 3),
            [1, 2],
            "docs holding both words"
        );
        let nowhere = Query::parse("khai zzz", &[]).unwrap();
        assert_eq!(index.candidates(&nowhere, 3), Vec::<usize>::new());
    }

    #[test]
    fn refusals_name_what_they_refuse() {
        let cases: &[(&str, &str, &str)] = &[
            ("", "colour:red", "undefined field colour"),
            ("colour:red", "", "undefined field colour"),
            ("", "metadata_modified:[NOW-1DAY TO *]", "date maths"),
            ("", "metadata_modified:[2026 TO]", "range"),
        ];
        for (q, fq, want) in cases {
            match Query::parse(q, &[(*fq).to_owned()]) {
                Err(QueryError::Search(m)) => assert!(m.contains(want), "{m}"),
                other => panic!("{q} {fq}: {other:?}"),
            }
        }
    }

    #[test]
    fn sorts() {
        assert_eq!(parse_sort("id asc").unwrap(), vec![("id", false)]);
        assert_eq!(
            parse_sort("score desc, metadata_modified desc").unwrap(),
            vec![("score", true), ("metadata_modified", true)]
        );
        for bad in [
            "",
            "colour asc",
            "id up",
            "id asc extra",
            "id, name, score, title_string",
        ] {
            assert!(
                matches!(parse_sort(bad), Err(QueryError::Query(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn facets_count_and_limit() {
        let docs = [
            doc("1", "a", &["x", "y"], "", "t"),
            doc("2", "a", &["x"], "", "t"),
            doc("3", "b", &["z"], "", "t"),
        ];
        let refs: Vec<&Doc> = docs.iter().collect();
        assert_eq!(
            facet(&refs, "tags", 1, 2),
            vec![("x".to_owned(), 2), ("y".to_owned(), 1)]
        );
        assert_eq!(
            facet(&refs, "organization", 2, -1),
            vec![("a".to_owned(), 2)]
        );
    }
}
