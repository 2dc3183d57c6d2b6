use super::*;

fn entry(id: &str, title: &str, body: &str, grants: &[&str], year: &str) -> Entry {
    Entry {
        kind: "document".into(),
        id: id.into(),
        title: title.into(),
        body: body.into(),
        grants: grants.iter().map(|g| (*g).to_owned()).collect(),
        facets: vec![("year".into(), year.into()), ("type".into(), "QĐ".into())],
        updated: id.len() as i64,
    }
}

fn mark(position: i64) -> Mark {
    Mark {
        epoch: "e1".into(),
        position,
    }
}

fn words(text: &str, prefix_last: bool) -> Vec<Vec<(String, bool)>> {
    let ws: Vec<&str> = text.split(' ').collect();
    vec![
        ws.iter()
            .enumerate()
            .map(|(i, w)| ((*w).to_owned(), prefix_last && i + 1 == ws.len()))
            .collect(),
    ]
}

fn ids(found: &Found) -> Vec<&str> {
    found.hits.iter().map(|h| h.id.as_str()).collect()
}

fn sample() -> Index {
    let index = Index::in_memory().unwrap();
    index
        .apply(
            false,
            &[
                entry(
                    "a",
                    "quyet dinh phe duyet ke hoach",
                    "noi dung",
                    &["g1"],
                    "2026",
                ),
                entry(
                    "bb",
                    "cong van",
                    "quyet dinh phe duyet du an",
                    &["g1"],
                    "2025",
                ),
                entry(
                    "ccc",
                    "quyet dinh phe duyet",
                    "bi mat cua co quan khac",
                    &["g2"],
                    "2026",
                ),
            ],
            &[],
            &mark(7),
        )
        .unwrap();
    index
}

fn query<'a>(groups: &'a [Vec<(String, bool)>], grants: &'a [String]) -> Query<'a> {
    Query {
        kinds: &["document"],
        groups,
        grants,
        count: &["year", "type"],
        limit: 10,
        ..Query::default()
    }
}

#[test]
fn words_in_the_title_rank_above_words_in_the_body_and_grants_decide_who_finds() {
    let index = sample();
    let grants = vec!["g1".to_owned()];
    let groups = words("quyet dinh phe duyet", false);
    let found = index.search(&query(&groups, &grants)).unwrap();
    assert_eq!(ids(&found), ["a", "bb"], "ccc belongs to another grant");
    assert_eq!(found.total, 2);
    assert_eq!(
        found.facets,
        [
            ("type".to_owned(), "QĐ".to_owned(), 2),
            ("year".to_owned(), "2025".to_owned(), 1),
            ("year".to_owned(), "2026".to_owned(), 1),
        ]
    );
    assert_eq!(index.mark().unwrap(), Some(mark(7)));
}

#[test]
fn the_last_word_is_also_a_prefix_and_filters_narrow() {
    let index = sample();
    let grants = vec!["g1".to_owned(), "g2".to_owned()];
    let groups = words("phe duy", true);
    let found = index.search(&query(&groups, &grants)).unwrap();
    assert_eq!(found.total, 3);
    let filters = vec![("year".to_owned(), "2025".to_owned())];
    let narrowed = index
        .search(&Query {
            filters: &filters,
            ..query(&groups, &grants)
        })
        .unwrap();
    assert_eq!(ids(&narrowed), ["bb"]);
    let exact = words("phe duy", false);
    assert_eq!(index.search(&query(&exact, &grants)).unwrap().total, 0);
}

#[test]
fn without_words_every_visible_entry_is_listed_newest_first_and_pages_hold() {
    let index = sample();
    let grants = vec!["g1".to_owned(), "g2".to_owned()];
    let all = index.search(&query(&[], &grants)).unwrap();
    assert_eq!(ids(&all), ["ccc", "bb", "a"]);
    let second = index
        .search(&Query {
            offset: 1,
            limit: 1,
            ..query(&[], &grants)
        })
        .unwrap();
    assert_eq!((ids(&second), second.total), (vec!["bb"], 3));
    assert_eq!(index.search(&query(&[], &[])).unwrap().total, 0, "no grant");
}

#[test]
fn an_upsert_replaces_a_removal_removes_and_a_reset_starts_over() {
    let index = sample();
    let grants = vec!["g1".to_owned(), "g2".to_owned()];
    let mut changed = entry("a", "thong bao", "", &["g1"], "2026");
    changed.updated = 99;
    index
        .apply(
            false,
            &[changed],
            &[("document".into(), "bb".into())],
            &mark(9),
        )
        .unwrap();
    assert_eq!(index.len(), 2);
    let groups = words("quyet", false);
    assert_eq!(
        ids(&index.search(&query(&groups, &grants)).unwrap()),
        ["ccc"]
    );
    index.apply(true, &[], &[], &mark(10)).unwrap();
    assert!(index.is_empty());
    assert_eq!(index.mark().unwrap(), Some(mark(10)));
}

#[test]
fn the_index_on_disk_keeps_its_mark_and_refuses_a_second_writer() {
    let dir = tempfile::tempdir().unwrap();
    {
        let index = Index::open(dir.path()).unwrap();
        index
            .apply(
                false,
                &[entry("a", "x", "y", &["g"], "2026")],
                &[],
                &mark(3),
            )
            .unwrap();
        assert!(
            Index::open(dir.path()).is_err(),
            "the writer's lock is held"
        );
    }
    let again = Index::open(dir.path()).unwrap();
    assert_eq!((again.mark().unwrap(), again.len()), (Some(mark(3)), 1));
}

#[test]
fn odd_words_and_facet_values_are_plain_data() {
    let index = Index::in_memory().unwrap();
    let mut e = entry("x", "a.b*c (d)", "[e]", &["g"], "20/26\0");
    e.facets.push(("type".into(), "/".into()));
    index.apply(false, &[e], &[], &mark(1)).unwrap();
    let grants = vec!["g".to_owned()];
    for text in ["a.b*c", "(d)", "[e", ".*", "\\"] {
        let groups = words(text, true);
        index.search(&query(&groups, &grants)).unwrap();
    }
    let filters = vec![("year".to_owned(), "20/26".to_owned())];
    let found = index
        .search(&Query {
            filters: &filters,
            ..query(&[], &grants)
        })
        .unwrap();
    assert_eq!(found.total, 1);
    assert!(found.facets.contains(&("type".into(), "/".into(), 1)));
}

/// `n` entries over a small vocabulary, each word at a known rate, in several segments; odd
/// entries are visible to `g1`, every third to `g2`.
fn broad(n: usize) -> Index {
    let index = Index::in_memory().unwrap();
    let entries: Vec<Entry> = (0..n)
        .map(|i| {
            let mut words = vec!["van", "ban"];
            if i % 2 == 0 {
                words.push("ngan");
                words.push("sach");
            }
            if i % 7 == 0 {
                words.extend(["sach", "sach"]); // more of it: a higher score
            }
            if i % 50 == 0 {
                words.push("hiem");
            }
            let mut grants = Vec::new();
            if i % 2 == 1 {
                grants.push("g1".to_owned());
            }
            if i % 3 == 0 {
                grants.push("g2".to_owned());
            }
            Entry {
                kind: "document".into(),
                id: format!("d{i}"),
                title: if i % 11 == 0 {
                    "sach".into()
                } else {
                    "van ban".into()
                },
                body: words.join(" "),
                grants,
                facets: vec![
                    ("year".into(), (2020 + i % 5).to_string()),
                    ("type".into(), ["QĐ", "CV", "KH"][i % 3].into()),
                ],
                updated: i as i64,
            }
        })
        .collect();
    for chunk in entries.chunks(n.div_ceil(4)) {
        index.apply(false, chunk, &[], &mark(1)).unwrap();
    }
    index
}

#[test]
fn the_pruned_ranking_gives_the_page_reading_every_match_gives() {
    let index = broad(6_000);
    let grants = vec!["g2".to_owned()];
    for text in ["sach", "ngan sach", "van ban sach", "sach hiem"] {
        let groups = words(text, false);
        for offset in [0, 15] {
            let q = Query {
                offset,
                ..query(&groups, &grants)
            };
            let pruned = index.search(&q).unwrap();
            // The same words as two alternatives of which one never matches: the path that
            // scores every match.
            let mut both = groups.clone();
            both.push(vec![("zzz".to_owned(), false)]);
            let every = index.search(&Query { groups: &both, ..q }).unwrap();
            assert_eq!(pruned.total, every.total, "{text}");
            assert_eq!(pruned.facets, every.facets, "{text}");
            let scores = |f: &Found| f.hits.iter().map(|h| h.score).collect::<Vec<_>>();
            assert_eq!(scores(&pruned), scores(&every), "{text} from {offset}");
            assert_eq!(pruned.hits.len(), 10);
        }
    }
}

#[test]
fn past_ten_thousand_matches_counts_are_estimated_from_an_even_sample() {
    let n = 60_000;
    let index = broad(n);
    let grants = vec!["g1".to_owned(), "g2".to_owned()];
    // Visible: odd or a multiple of 3 (2/3 of all); "ngan": even. Both: multiples of 6.
    let truth = (0..n).filter(|i| i % 6 == 0).count() as f64;
    let groups = words("ngan", false);
    let found = index.search(&query(&groups, &grants)).unwrap();
    assert!(found.estimated);
    let off = |got: u64, want: f64| (got as f64 - want).abs() / want;
    assert!(
        off(found.total, truth) < 0.05,
        "{} for {truth}",
        found.total
    );
    for year in 2020..2025 {
        let want = (0..n)
            .filter(|i| i % 6 == 0 && 2020 + i % 5 == year)
            .count() as f64;
        let got = found
            .facets
            .iter()
            .find(|(f, v, _)| f == "year" && *v == year.to_string())
            .map_or(0, |c| c.2);
        assert!(off(got, want) < 0.1, "{year}: {got} for {want}");
    }
    // A rare word among them is counted exactly.
    let rare = words("ngan hiem", false);
    let found = index.search(&query(&rare, &grants)).unwrap();
    let truth = (0..n).filter(|i| i % 6 == 0 && i % 50 == 0).count() as u64;
    assert_eq!((found.total, found.estimated), (truth, false));
    // Without words the total is every visible entry; the newest come first.
    let listed = index.search(&query(&[], &grants)).unwrap();
    let visible = (0..n).filter(|i| i % 2 == 1 || i % 3 == 0).count() as f64;
    assert!(off(listed.total, visible) < 0.01);
    assert_eq!(ids(&listed)[..3], ["d59999", "d59997", "d59995"]);
}
