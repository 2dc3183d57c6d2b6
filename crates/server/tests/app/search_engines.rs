//! The two search engines (docs/search.md): each node's embedded index and the database's
//! full-text index answer every query alike — same totals, same facet counts, same entries —
//! and the embedded index sees a change the moment it is committed, by whichever node.

use crate::common::TestApp;
use tinhso::db::Db;
use tinhso::search::{self, Entry, Query, Require, Visible};

on_both_databases!(
    both_engines_find_count_and_facet_alike,
    a_change_is_found_at_once_and_a_removal_is_gone_at_once,
    another_node_finds_what_this_one_wrote_at_once,
    an_index_from_another_database_or_past_the_pruning_is_built_afresh,
    sample_documents_loaded_at_once_are_numbered_without_gaps_and_all_found,
    every_module_backfills_what_the_index_misses,
);

const KIND: &str = "test_note";
const WORDS: [&str; 12] = [
    "quyết", "định", "phê", "duyệt", "kế", "hoạch", "ngân", "sách", "đất", "đai", "cán", "bộ",
];

/// A small deterministic generator (no dependency for a test's sample).
fn next(seed: &mut u64) -> usize {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 33) as usize
}

fn text(seed: &mut u64, n: usize) -> String {
    (0..n)
        .map(|_| WORDS[next(seed) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// 400 entries: words from a small vocabulary, one of three agencies or public, two facets;
/// then a tenth rewritten and a tenth removed (so the log holds updates and removals).
async fn load(db: &Db) {
    let mut seed = 7_u64;
    let mut tx = db.begin().await.unwrap();
    for i in 0..400 {
        let (title, body) = (text(&mut seed, 4), text(&mut seed, 30));
        let agency = format!("agency:a{}", next(&mut seed) % 3);
        let year = format!("{}", 2024 + next(&mut seed) % 3);
        let level = ["khan", "thuong"][next(&mut seed) % 2].to_owned();
        search::index(
            &mut tx,
            &Entry {
                kind: KIND,
                id: &format!("n{i:03}"),
                public: i % 7 == 0,
                readers: vec![agency],
                facets: vec![("year", year), ("level", level)],
                title: &title,
                body: &body,
                keys: &format!("{i}/QD-UBND"),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for i in (0..400).step_by(10) {
        search::remove(&mut tx, KIND, &format!("n{i:03}"))
            .await
            .unwrap();
        let id = format!("n{:03}", i + 5);
        search::index(
            &mut tx,
            &Entry {
                kind: KIND,
                id: &id,
                readers: vec!["agency:a1".into()],
                facets: vec![("year", "2026".into())],
                title: "Thông báo kết luận",
                body: "rà soát đất đai",
                ..Entry::default()
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

fn plain(db: &Db) -> Db {
    Db {
        search: Default::default(),
        ..db.clone()
    }
}

async fn both_engines_find_count_and_facet_alike(app: TestApp) {
    let db = &app.state.db;
    load(db).await;
    assert!(
        search::sync::current(db).await.is_some(),
        "the embedded index is attached and current"
    );
    let database = plain(db);
    let visibles = [
        Visible {
            public: false,
            grants: vec!["agency:a0".into()],
        },
        Visible {
            public: true,
            grants: vec!["agency:a1".into(), "agency:a2".into()],
        },
        Visible::public(),
    ];
    let texts = [
        "",
        "quyet dinh",
        "Quyết định phê duyệt",
        "ngan sa",
        "dat dai can bo",
        "thong bao ket luan",
        // Matched in the keys, which are never shown.
        "12 qd ubnd",
        "khong co tu nay",
    ];
    let mut compared = 0;
    for visible in &visibles {
        for text in texts {
            for require in [Require::All, Require::AllButOneFromThree] {
                for filters in [vec![], vec![("year", "2026".to_owned())]] {
                    let q = Query {
                        kinds: &[KIND],
                        text,
                        require,
                        filters,
                        count: &["year", "level"],
                        visible: visible.clone(),
                        page: 1,
                        per_page: 100,
                        snippet_chars: 80,
                        texts: search::Texts::Read,
                    };
                    let embedded = search::query(db, &q).await.unwrap();
                    let reference = search::query(&database, &q).await.unwrap();
                    let what = format!("{text:?} {require:?} {:?} {visible:?}", q.filters);
                    assert_eq!(embedded.total, reference.total, "total of {what}");
                    assert_eq!(embedded.facets, reference.facets, "facets of {what}");
                    let ids = |f: &search::Found| {
                        let mut ids: Vec<String> = f.hits.iter().map(|h| h.id.clone()).collect();
                        ids.sort();
                        ids
                    };
                    if reference.total <= 100 {
                        assert_eq!(ids(&embedded), ids(&reference), "hits of {what}");
                    } else {
                        // The engines rank alike but not identically: the page holds entries
                        // from the same results.
                        let mut all = ids(&reference);
                        let rest = Query {
                            page: 2,
                            ..q.clone()
                        };
                        for page in 2..=(reference.total + 99) / 100 {
                            let more = Query {
                                page,
                                ..rest.clone()
                            };
                            all.extend(ids(&search::query(&database, &more).await.unwrap()));
                        }
                        assert_eq!(embedded.hits.len(), 100, "{what}");
                        for id in ids(&embedded) {
                            assert!(all.contains(&id), "{what}: {id}");
                        }
                    }
                    if let Some(hit) = embedded.hits.first()
                        && !text.is_empty()
                        && !text.contains("qd")
                    {
                        assert!(
                            hit.title_marked.contains("<mark>") || hit.snippet.contains("<mark>"),
                            "{what}: {hit:?}"
                        );
                    }
                    compared += usize::from(reference.total > 0);
                }
            }
        }
    }
    assert!(compared > 40, "most queries find something: {compared}");
    // Pages partition the results the same way in both.
    let q = |page| Query {
        kinds: &[KIND],
        text: "",
        visible: Visible::public(),
        page,
        per_page: 7,
        ..Query::default()
    };
    for page in 1..=3 {
        let a = search::query(db, &q(page)).await.unwrap();
        let b = search::query(&database, &q(page)).await.unwrap();
        let ids = |f: &search::Found| f.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        assert_eq!(a.hits.len(), 7);
        assert_eq!(ids(&a), ids(&b), "newest first, page {page}");
    }
}

async fn a_change_is_found_at_once_and_a_removal_is_gone_at_once(app: TestApp) {
    let db = &app.state.db;
    let find = |text: &'static str| Query {
        kinds: &[KIND],
        text,
        visible: Visible::public(),
        page: 1,
        per_page: 10,
        ..Query::default()
    };
    for round in 0..5 {
        let id = format!("fresh{round}");
        let mut tx = db.begin().await.unwrap();
        search::index(
            &mut tx,
            &Entry {
                kind: KIND,
                id: &id,
                public: true,
                title: "Biên bản kiểm tra hiện trường",
                ..Entry::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let found = search::query(db, &find("bien ban kiem tra")).await.unwrap();
        assert!(
            found.hits.iter().any(|h| h.id == id),
            "round {round}: found at once"
        );
        let mut tx = db.begin().await.unwrap();
        search::remove(&mut tx, KIND, &id).await.unwrap();
        tx.commit().await.unwrap();
        let found = search::query(db, &find("bien ban kiem tra")).await.unwrap();
        assert!(found.hits.iter().all(|h| h.id != id), "round {round}: gone");
        assert!(search::sync::current(db).await.is_some());
    }
}

async fn another_node_finds_what_this_one_wrote_at_once(app: TestApp) {
    // A second node: its own connections and its own index folder, on the same database.
    let other = Db::connect(&app.database_url).await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    search::sync::attach(&other, folder.path().join("search-index"))
        .await
        .unwrap();
    let find = Query {
        kinds: &[KIND],
        text: "phieu chuyen",
        visible: Visible {
            public: false,
            grants: vec!["agency:x".into()],
        },
        page: 1,
        per_page: 10,
        count: &["year"],
        ..Query::default()
    };
    for i in 0..10 {
        let mut tx = app.state.db.begin().await.unwrap();
        search::index(
            &mut tx,
            &Entry {
                kind: KIND,
                id: &format!("p{i}"),
                readers: vec!["agency:x".into()],
                facets: vec![("year", "2026".into())],
                title: "Phiếu chuyển hồ sơ",
                ..Entry::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let found = search::query(&other, &find).await.unwrap();
        assert!(search::sync::current(&other).await.is_some());
        assert_eq!(found.total, i + 1, "the other node sees write {i} at once");
        assert_eq!(found.facets[0].count, i + 1);
    }
    // The folder is this node's: a third handle cannot take it and searches the database.
    let third = Db::connect(&app.database_url).await.unwrap();
    search::sync::attach(&third, folder.path().join("search-index"))
        .await
        .unwrap();
    assert!(third.search.get().is_none());
    assert_eq!(search::query(&third, &find).await.unwrap().total, 10);
}

async fn an_index_from_another_database_or_past_the_pruning_is_built_afresh(app: TestApp) {
    let db = &app.state.db;
    load(db).await;
    let epoch: String = sqlx::query_scalar("SELECT epoch FROM search_epoch")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    // The log's rows of a week ago go; the position they reached is recorded.
    sqlx::query("UPDATE search_changes SET at = '2020-01-01T00:00:00.000000Z'")
        .execute(&db.pool)
        .await
        .unwrap();
    let removed = search::sync::prune(db).await.unwrap();
    assert!(removed >= 400, "{removed}");
    let pruned: i64 = sqlx::query_scalar("SELECT pruned_through FROM search_epoch")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(pruned > 0);
    let everything = Query {
        kinds: &[KIND],
        visible: Visible::public(),
        page: 1,
        per_page: 1,
        ..Query::default()
    };
    let expected = search::query(&plain(db), &everything).await.unwrap().total;
    for (name, mark_epoch, position) in [
        ("another database", "another".to_owned(), pruned + 10),
        ("a stale position", epoch.clone(), pruned),
    ] {
        // What a node stopped long ago left: one stray entry, and its mark.
        let folder = tempfile::tempdir().unwrap();
        {
            let stale = tinhso_searchindex::Index::open(folder.path()).unwrap();
            let stray = tinhso_searchindex::Entry {
                kind: KIND.into(),
                id: "stray".into(),
                grants: vec![search::terms::grant_token(search::terms::PUBLIC)],
                ..Default::default()
            };
            let mark = tinhso_searchindex::Mark {
                epoch: mark_epoch,
                position,
            };
            stale.apply(false, &[stray], &[], &mark).unwrap();
        }
        let node = Db::connect(&app.database_url).await.unwrap();
        search::sync::attach(&node, folder.path().to_path_buf())
            .await
            .unwrap();
        assert!(search::sync::current(&node).await.is_some(), "{name}");
        let found = search::query(
            &node,
            &Query {
                per_page: 100,
                ..everything.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(found.total, expected, "{name}: built afresh");
        assert!(found.hits.iter().all(|h| h.id != "stray"), "{name}");
    }
}

/// The benchmark's loader writes from several transactions at once on PostgreSQL: the register
/// still numbers 1…N without a gap, and the node's index holds every document.
async fn sample_documents_loaded_at_once_are_numbered_without_gaps_and_all_found(app: TestApp) {
    tinhso_officialdocs::sample::load(&app.state, "000.00.14.H56", 2_500, 400)
        .await
        .unwrap();
    let (count, distinct, low, high): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT d.reg_number), MIN(d.reg_number), MAX(d.reg_number)
         FROM documents d JOIN agencies a ON a.id = d.agency_id
         WHERE a.code = '000.00.14.H56' AND d.direction = 'in'",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!((count, distinct, low, high), (2_500, 2_500, 1, 2_500));
    let clerk = app
        .token("vanthu.tuphap@tinhso.local", &["documents"])
        .await;
    let (status, found) = app
        .api("GET", "/api/v1/documents/search?q=", Some(&clerk), None)
        .await;
    assert_eq!(status, axum::http::StatusCode::OK);
    // The demo's two drafts of Sở Tư pháp besides. Right after a bulk load the database's
    // index may answer (the node's index is more than a round behind): the same figures.
    assert_eq!(found["Total"], 2_502);
    assert_eq!(found["Facets"]["state"][0]["Value"], "registered");
    assert_eq!(found["Facets"]["state"][0]["Count"], 2_500);
    // The background follower catches up; then the node's own index gives the same answer.
    let started = std::time::Instant::now();
    while search::sync::current(&app.state.db).await.is_none() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the index catches up with the load"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (_, again) = app
        .api("GET", "/api/v1/documents/search?q=", Some(&clerk), None)
        .await;
    assert_eq!(again["Total"], 2_502);
    assert_eq!(again["Facets"], found["Facets"]);
}

/// Each module's backfill indexes the rows its kind misses in the index — once, and only those
/// (the database finds them: `search::unindexed_ids`).
async fn every_module_backfills_what_the_index_misses(app: TestApp) {
    app.login("congdan@tinhso.local", crate::feedback::PASSWORD)
        .await;
    let (status, page, _) = crate::feedback::post_report(&app, crate::feedback::POTHOLE, &[]).await;
    assert_eq!(status, axum::http::StatusCode::SEE_OTHER, "{page}");
    let kinds = ["procedure", "agency", "feedback"];
    let mut before = Vec::new();
    for kind in kinds {
        let n = app.count_where("search_entries", "kind", kind).await;
        assert!(n > 0, "the demo indexes some {kind}");
        before.push(n);
    }
    for (&kind, n) in kinds.iter().zip(&before) {
        // Half of the kind's entries go (as a removal goes, with a row in the change log).
        let gone: Vec<String> = sqlx::query_scalar(
            "SELECT entry_id FROM search_entries WHERE kind = $1 ORDER BY entry_id",
        )
        .bind(kind)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
        .into_iter()
        .step_by(2)
        .collect();
        let mut tx = app.state.db.begin().await.unwrap();
        for id in &gone {
            search::remove(&mut tx, kind, id).await.unwrap();
        }
        tx.commit().await.unwrap();
        assert!(app.count_where("search_entries", "kind", kind).await < *n);
    }
    // Two rows a batch, so that every kind takes several batches, each from where the one
    // before stopped.
    assert!(app.run_backfills(2).await > 3);
    assert_eq!(app.run_backfills(2).await, 0, "nothing is left to do");
    for (kind, n) in kinds.iter().zip(before) {
        assert_eq!(
            app.count_where("search_entries", "kind", kind).await,
            n,
            "every {kind} indexed again, once"
        );
    }
    let (status, found) = app.get("/api/v1/procedures?q=khai+sinh").await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert!(
        found.to_lowercase().contains("khai sinh"),
        "the catalog finds by its index again: {found}"
    );
}
