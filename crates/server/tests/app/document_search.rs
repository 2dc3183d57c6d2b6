//! Document search through the API, on both databases (issue 14 item 5): a query without
//! diacritics finds the document, the better match ranks first, the snippet marks the words as
//! written, facets count only what the searcher may read, another agency's official finds
//! nothing, hostile queries answer 200, the start-up backfill indexes what is missing, and saved
//! searches belong to their owner.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const ONE_STOP: &str = "motcua.tuphap@tinhso.local";
const OTHER_AGENCY_LEADER: &str = "lanhdao.hacthanh@tinhso.local";

on_both_databases!(
    a_search_without_diacritics_finds_ranks_marks_and_counts_only_what_the_searcher_reads,
    hostile_queries_answer_with_no_hits_and_no_error,
    the_backfill_indexes_documents_the_index_misses,
    saved_searches_belong_to_their_owner
);

async fn create(
    app: &TestApp,
    token: &str,
    doc_type: &str,
    subject: &str,
    description: &str,
) -> String {
    let (status, created) = app
        .api(
            "POST",
            "/api/v1/documents",
            Some(token),
            Some(json!({
                "TypeName": doc_type,
                "Subject": subject,
                "Description": description,
                "SignerInfo": {"Position": "Giám đốc", "FullName": "Hoàng Văn Bình"},
                "To": [{"OrganName": "Lưu: VT"}]
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["Id"].as_str().unwrap().to_owned()
}

async fn search(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = app
        .api(
            "GET",
            &format!("/api/v1/documents/search?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

fn ids(found: &Value) -> Vec<String> {
    found["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["Id"].as_str().unwrap().to_owned())
        .collect()
}

fn facet(found: &Value, name: &str) -> Vec<(String, i64)> {
    found["Facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["Value"].as_str().unwrap().to_owned(),
                v["Count"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn a_search_without_diacritics_finds_ranks_marks_and_counts_only_what_the_searcher_reads(
    app: TestApp,
) {
    let drafter = app.token(DRAFTER, &["documents"]).await;
    let decision = create(
        &app,
        &drafter,
        "decision",
        "Quyết định phê duyệt kế hoạch cải cách hành chính năm 2027",
        "Phê duyệt kế hoạch cải cách hành chính của Sở Tư pháp.",
    )
    .await;
    let letter = create(
        &app,
        &drafter,
        "report",
        "Báo cáo kết quả thực hiện nhiệm vụ",
        "Thực hiện quyết định số 12 của Ủy ban nhân dân tỉnh về việc phê duyệt định mức chi.",
    )
    .await;
    create(
        &app,
        &drafter,
        "plan",
        "Kế hoạch tuyên truyền pháp luật",
        "",
    )
    .await;

    let found = search(&app, &drafter, "q=quyet%20dinh%20phe%20duyet").await;
    assert_eq!(found["Total"], 2, "{found}");
    assert_eq!(
        ids(&found),
        [decision.clone(), letter.clone()],
        "the subject's match ranks first"
    );
    let first = &found["Items"][0];
    assert_eq!(
        first["SubjectMarked"],
        "<mark>Quyết</mark> <mark>định</mark> <mark>phê</mark> <mark>duyệt</mark> kế hoạch cải cách hành chính năm 2027"
    );
    assert!(
        found["Items"][1]["Snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>quyết</mark> <mark>định</mark> số 12"),
        "{found}"
    );
    assert!(first["Score"].as_f64().unwrap() > found["Items"][1]["Score"].as_f64().unwrap());
    assert_eq!(
        facet(&found, "type"),
        [("decision".to_owned(), 1), ("report".to_owned(), 1)]
    );
    assert_eq!(facet(&found, "state"), [("draft".to_owned(), 2)]);
    assert_eq!(facet(&found, "organ"), [("000.00.14.H56".to_owned(), 2)]);

    // With diacritics, in capitals, or the last word cut short: the same documents.
    let typed = search(
        &app,
        &drafter,
        "q=QUY%E1%BA%BET%20%C4%91%E1%BB%8Bnh%20ph%C3%AA%20duy%E1%BB%87t",
    )
    .await;
    assert_eq!(ids(&typed), [decision.clone(), letter.clone()]);
    let prefix = search(&app, &drafter, "q=cai%20cach%20hanh%20ch").await;
    assert_eq!(ids(&prefix), std::slice::from_ref(&decision));
    // A facet value narrows the hits and the counts.
    let decisions = search(&app, &drafter, "q=quyet%20dinh%20phe%20duyet&type=decision").await;
    assert_eq!(ids(&decisions), std::slice::from_ref(&decision));
    assert_eq!(facet(&decisions, "type"), [("decision".to_owned(), 1)]);

    // The issuing agency's leader reads drafts of the agency: found.
    let leader = app.token(LEADER, &["documents"]).await;
    let found = search(&app, &leader, "q=quyet%20dinh%20phe%20duyet").await;
    assert_eq!(found["Total"], 2);
    // A one-stop clerk of the same agency handles none of them, another agency's leader
    // neither: no hit, and no facet counts them.
    for email in [ONE_STOP, OTHER_AGENCY_LEADER] {
        let token = app.token(email, &["documents"]).await;
        let found = search(&app, &token, "q=quyet%20dinh%20phe%20duyet").await;
        assert_eq!(found["Total"], 0, "{email}: {found}");
        assert!(ids(&found).is_empty());
        for name in ["type", "organ", "year", "state", "urgency"] {
            assert!(facet(&found, name).is_empty(), "{email}: {found}");
        }
        let everything = search(&app, &token, "q=").await;
        assert!(
            !ids(&everything).contains(&decision),
            "{email} lists only what they read"
        );
    }
    // Words the drafter's documents do not hold all: nothing.
    let found = search(&app, &drafter, "q=quyet%20dinh%20xay%20dung%20cau").await;
    assert_eq!(found["Total"], 0);
}

async fn hostile_queries_answer_with_no_hits_and_no_error(app: TestApp) {
    let drafter = app.token(DRAFTER, &["documents"]).await;
    let long = "zzqx ".repeat(5_000);
    for hostile in [
        "\"zzqx",
        "zzqx\" OR \"a",
        "zzqx NEAR(yyqw, 2)",
        "zzqx* AND -yyqw",
        "'zzqx' & !yyqw | (zz:*)",
        "zzqx:* <-> yyqw",
        "title_folded:zzqx",
        "{title_folded body_folded}: zzqx",
        "zzqx^ ² 漢字 🙂",
        "\\'); DROP TABLE documents; --zzqx",
        long.as_str(),
    ] {
        let q: String = form_urlencoded::byte_serialize(hostile.as_bytes()).collect();
        let found = search(&app, &drafter, &format!("q={q}&page=3")).await;
        assert_eq!(found["Total"], 0, "{hostile}");
        assert!(ids(&found).is_empty());
    }
    // Nothing but operators is no word: every document the searcher reads, as an empty query.
    for only_operators in ["*", "\"\"", "NEAR()", "&|!:*"] {
        let q: String = form_urlencoded::byte_serialize(only_operators.as_bytes()).collect();
        search(&app, &drafter, &format!("q={q}")).await;
    }
    for odd in [
        "page=-4",
        "page=99999999999",
        "year=abc&state=%27",
        "type=&organ=",
    ] {
        search(&app, &drafter, odd).await;
    }
}

async fn the_backfill_indexes_documents_the_index_misses(app: TestApp) {
    let drafter = app.token(DRAFTER, &["documents"]).await;
    let id = create(
        &app,
        &drafter,
        "decision",
        "Quyết định thành lập tổ công tác",
        "",
    )
    .await;
    // The entries go as a removal goes, with a row in the change log, so that a node's
    // embedded index (docs/search.md) lets them go too, whenever it happens to be current.
    sqlx::query(
        "INSERT INTO search_changes (kind, entry_id, at) \
         SELECT kind, entry_id, $1 FROM search_entries WHERE kind = 'document'",
    )
    .bind(tinhso_kernel::time::now_text())
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    for table in ["search_readers", "search_facets", "search_entries"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE kind = 'document'"
        )))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    }
    let found = search(&app, &drafter, "q=to%20cong%20tac").await;
    assert_eq!(found["Total"], 0, "taken out of the index");
    assert!(app.run_backfills(7).await > 0);
    assert_eq!(
        app.run_backfills(7).await,
        0,
        "nothing left the second time"
    );
    let found = search(&app, &drafter, "q=to%20cong%20tac").await;
    assert_eq!(ids(&found), [id]);
    let indexed = app
        .count("SELECT COUNT(*) FROM search_entries WHERE kind = 'document'")
        .await;
    let documents = app.count("SELECT COUNT(*) FROM documents").await;
    assert_eq!(indexed, documents, "every document once");
}

async fn saved_searches_belong_to_their_owner(app: TestApp) {
    let drafter = app.token(DRAFTER, &["documents"]).await;
    let leader = app.token(LEADER, &["documents"]).await;
    let (status, saved) = app
        .api(
            "POST",
            "/api/v1/documents/saved-searches",
            Some(&drafter),
            Some(json!({"Name": "Quyết định năm 2027", "Query": "?q=quyet+dinh&year=2027"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["Query"], "q=quyet+dinh&year=2027");
    let id = saved["Id"].as_str().unwrap().to_owned();
    let (_, mine) = app
        .api(
            "GET",
            "/api/v1/documents/saved-searches",
            Some(&drafter),
            None,
        )
        .await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["Name"], "Quyết định năm 2027");
    let (_, theirs) = app
        .api(
            "GET",
            "/api/v1/documents/saved-searches",
            Some(&leader),
            None,
        )
        .await;
    assert_eq!(
        theirs,
        json!([]),
        "someone else's saved searches are not listed"
    );
    let path = format!("/api/v1/documents/saved-searches/{id}");
    let (status, _) = app.api("DELETE", &path, Some(&leader), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor deleted by another");
    let (status, problem) = app
        .api(
            "POST",
            "/api/v1/documents/saved-searches",
            Some(&drafter),
            Some(json!({"Name": "  ", "Query": "q=x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let (status, _) = app.api("DELETE", &path, Some(&drafter), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, mine) = app
        .api(
            "GET",
            "/api/v1/documents/saved-searches",
            Some(&drafter),
            None,
        )
        .await;
    assert_eq!(mine, json!([]));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'document.saved_search.%'")
            .await,
        2
    );
}
