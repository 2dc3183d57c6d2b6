//! The total and the facet counts of a search. Up to [`EXACT`] matches they are counted
//! exactly; beyond, from a sample: the same windows of every segment's document ids (a
//! sixty-fourth each, spread over the whole segment so that old and new entries are sampled
//! alike), scaled up and marked as estimates. A broad query over a million visible entries
//! ("ngan sach": half of them) then reads about [`EXACT`] matches instead of every one — the
//! practice of the large engines (a "more than"/"about" figure past a threshold), which the
//! page shows as "khoảng".

use crate::bits::All;
use std::collections::HashMap;
use tantivy::query::{Scorer, Weight};
use tantivy::schema::Facet;
use tantivy::{DocId, SegmentReader, TERMINATED};

/// Up to this many matches, totals and facet counts are exact.
pub(crate) const EXACT: f64 = 10_000.0;
/// How many windows a segment is sampled in.
const WINDOWS: u32 = 64;

/// One segment's part of a search: its reader and the documents that pass every condition
/// other than the words (visibility, filters, prefixes).
pub(crate) struct Part<'a> {
    pub reader: &'a SegmentReader,
    pub required: All,
    /// An upper bound of the matches of the words in this segment (before `required`).
    pub words_bound: Option<u64>,
}

pub(crate) struct Summary {
    pub total: u64,
    pub facets: Vec<(String, String, u64)>,
    pub estimated: bool,
}

/// Counts the matches of `words` (unscored; none means every required document) and the
/// `names` facets over them.
pub(crate) fn summarise(
    parts: &[Part<'_>],
    words: Option<&dyn Weight>,
    names: &[&str],
) -> tantivy::Result<Summary> {
    let expected: f64 = parts.iter().map(expected_matches).sum();
    if expected <= EXACT {
        return count(parts, words, names, 1.0);
    }
    let sampled = count(parts, words, names, EXACT / expected)?;
    if (sampled.total as f64) < EXACT {
        // The words are rarer together than apart: few enough to count exactly.
        return count(parts, words, names, 1.0);
    }
    Ok(sampled)
}

/// At most how many matches a segment holds: no more than its rarest word's entries, nor
/// than the required ones (words that go together, as the words of a phrase do, match far
/// more than their shares multiplied would say).
fn expected_matches(part: &Part<'_>) -> f64 {
    let required = part.required.len();
    part.words_bound
        .map_or(required, |bound| bound.min(required)) as f64
}

fn count(
    parts: &[Part<'_>],
    words: Option<&dyn Weight>,
    names: &[&str],
    fraction: f64,
) -> tantivy::Result<Summary> {
    let estimated = fraction < 1.0;
    let mut total = 0.0;
    let mut tally: HashMap<(String, String), f64> = HashMap::new();
    for part in parts {
        let max_doc = part.reader.max_doc();
        let windows = windows(max_doc, fraction);
        let covered: u64 = windows.iter().map(|(a, b)| u64::from(b - a)).sum();
        if covered == 0 {
            continue;
        }
        let scale = f64::from(max_doc) / covered as f64;
        let mut facets = Facets::of(part.reader, names)?;
        let mut matched = 0u64;
        let mut visit = |doc: DocId| {
            matched += 1;
            facets.add(doc);
        };
        match words {
            Some(weight) => {
                let mut scorer = weight.scorer(part.reader, 1.0)?;
                visit_windows(scorer.as_mut(), &part.required, &windows, &mut visit);
            }
            None => {
                for (from, to) in &windows {
                    part.required.range(*from, *to).for_each(&mut visit);
                }
            }
        }
        total += matched as f64 * scale;
        facets.into_tally(scale, &mut tally)?;
    }
    Ok(Summary {
        total: rounded(total, estimated),
        facets: ordered(tally, estimated),
        estimated,
    })
}

/// The document-id windows to read: the whole segment, or the first `fraction` of each of
/// [`WINDOWS`] equal slices.
fn windows(max_doc: DocId, fraction: f64) -> Vec<(DocId, DocId)> {
    if fraction >= 1.0 {
        return vec![(0, max_doc)];
    }
    (0..WINDOWS)
        .map(|w| {
            let from = (u64::from(max_doc) * u64::from(w) / u64::from(WINDOWS)) as DocId;
            let to = (u64::from(max_doc) * u64::from(w + 1) / u64::from(WINDOWS)) as DocId;
            let len = ((f64::from(to - from) * fraction).ceil() as DocId).min(to - from);
            (from, from + len)
        })
        .filter(|(a, b)| b > a)
        .collect()
}

fn visit_windows(
    scorer: &mut dyn Scorer,
    required: &All,
    windows: &[(DocId, DocId)],
    visit: &mut impl FnMut(DocId),
) {
    for &(from, to) in windows {
        let mut doc = scorer.doc();
        if doc < from {
            doc = scorer.seek(from);
        }
        while doc < to {
            if required.contains(doc) {
                visit(doc);
            }
            doc = scorer.advance();
        }
        if doc == TERMINATED {
            return;
        }
    }
}

/// An estimate to three significant figures (a sample's precision, no more).
fn rounded(value: f64, estimated: bool) -> u64 {
    if !estimated || value < 1000.0 {
        return value.round() as u64;
    }
    let unit = 10f64.powi(value.log10().floor() as i32 - 2);
    ((value / unit).round() * unit) as u64
}

fn ordered(tally: HashMap<(String, String), f64>, estimated: bool) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = tally
        .into_iter()
        .map(|((f, v), n)| (f, v, rounded(n, estimated).max(1)))
        .collect();
    out.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.1.cmp(&b.1))
    });
    out
}

/// One segment's facet counts, by the segment's facet ordinals.
struct Facets<'a> {
    reader: Option<tantivy::fastfield::FacetReader>,
    counts: Vec<u32>,
    names: &'a [&'a str],
}

impl<'a> Facets<'a> {
    fn of(segment: &SegmentReader, names: &'a [&'a str]) -> tantivy::Result<Facets<'a>> {
        if names.is_empty() {
            return Ok(Facets {
                reader: None,
                counts: Vec::new(),
                names,
            });
        }
        let reader = segment.facet_reader("facets")?;
        Ok(Facets {
            counts: vec![0; reader.num_facets()],
            reader: Some(reader),
            names,
        })
    }

    #[inline]
    fn add(&mut self, doc: DocId) {
        if let Some(reader) = &self.reader {
            for ord in reader.facet_ords(doc) {
                if let Some(c) = self.counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
        }
    }

    fn into_tally(
        self,
        scale: f64,
        tally: &mut HashMap<(String, String), f64>,
    ) -> tantivy::Result<()> {
        let Some(reader) = self.reader else {
            return Ok(());
        };
        let mut facet = Facet::root();
        for (ord, n) in self.counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            reader.facet_from_ord(ord as u64, &mut facet)?;
            let path = facet.to_path();
            if let [name, value] = path.as_slice()
                && self.names.contains(name)
            {
                *tally
                    .entry(((*name).to_owned(), (*value).to_owned()))
                    .or_default() += f64::from(*n) * scale;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_segment_or_an_even_sample_of_it() {
        assert_eq!(windows(1000, 1.0), vec![(0, 1000)]);
        let w = windows(64_000, 0.1);
        assert_eq!(w.len(), 64);
        assert_eq!(w[0], (0, 100));
        assert_eq!(w[63], (63_000, 63_100));
        let covered: u32 = w.iter().map(|(a, b)| b - a).sum();
        assert_eq!(covered, 6_400);
        // A tiny segment still gets at least a document a window.
        assert!(windows(10, 0.01).iter().all(|(a, b)| b - a == 1));
    }

    #[test]
    fn estimates_keep_three_figures_and_exact_counts_all() {
        assert_eq!(rounded(518_878.0, true), 519_000);
        assert_eq!(rounded(12_345.4, true), 12_300);
        assert_eq!(rounded(999.6, true), 1000);
        assert_eq!(rounded(518_878.0, false), 518_878);
    }
}
