//! The documents search page, on both databases: words without diacritics find the document
//! with its words marked and facets to narrow by; another agency's official finds nothing of
//! it; saved searches are the person's own (another's cannot be deleted), and a nameless save
//! is refused with the reason on the page.

use crate::common;

use axum::http::StatusCode;
use common::TestApp;

const PASSWORD: &str = "TinhSo@2026";
const DRAFTER: &str = "chuyenvien.tuphap@tinhso.local";
const OTHER: &str = "chuyenvien.hacthanh@tinhso.local";

on_both_databases!(the_search_page_finds_narrows_and_saves);

async fn the_search_page_finds_narrows_and_saves(app: TestApp) {
    app.login(DRAFTER, PASSWORD).await;
    let (status, html) = app
        .get("/office/documents/search?q=bao+cao+vien+phap+luat")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Số văn bản tìm thấy: 1"), "the demo decision");
    assert!(html.contains("<mark>báo</mark>"), "marked as written");
    assert!(
        html.contains("type=decision"),
        "a facet link narrows by type"
    );

    // A save without a name is refused on the page; with one it is listed.
    let (status, html, _) = app
        .post_form(
            "/office/documents/search?q=bao+cao",
            "/office/documents/search/saved",
            &[("name", ""), ("query", "q=bao+cao")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Đặt tên cho tìm kiếm"), "{html}");
    let (status, _, location) = app
        .post_form(
            "/office/documents/search?q=bao+cao",
            "/office/documents/search/saved",
            &[("name", "Báo cáo viên"), ("query", "q=bao+cao")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/office/documents/search?q=bao+cao")
    );
    let saved_id: String = {
        let row = sqlx::query("SELECT id FROM saved_searches WHERE name = 'Báo cáo viên'")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::get(&row, "id")
    };
    let (_, html) = app.get("/office/documents/search").await;
    assert!(html.contains("Báo cáo viên"));

    // Another agency's official finds nothing and cannot delete the saved search.
    app.clear_cookies();
    app.login(OTHER, PASSWORD).await;
    let (_, html) = app
        .get("/office/documents/search?q=bao+cao+vien+phap+luat")
        .await;
    assert!(
        html.contains("Số văn bản tìm thấy: 0"),
        "nothing of another agency"
    );
    let (status, _, _) = app
        .post_form(
            "/office/documents/search",
            &format!("/office/documents/search/saved/{saved_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.count_where("saved_searches", "id", &saved_id).await, 1);

    // Its owner deletes it.
    app.clear_cookies();
    app.login(DRAFTER, PASSWORD).await;
    let (status, _, _) = app
        .post_form(
            "/office/documents/search",
            &format!("/office/documents/search/saved/{saved_id}/delete"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count_where("saved_searches", "id", &saved_id).await, 0);
}
