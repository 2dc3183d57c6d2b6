//! The public open data pages (issue 17 item 3; docs/opendata-design.md §9, slice 7) on both
//! databases: the search page's facets count what the fixture holds and filter when
//! followed, words without diacritics find a dataset, the three orders; a published CSV's
//! dataset page previews its rows (totals, pages, a header's sort, a filter and words equal
//! to what this file computes from the same rows), draws a chart whose sums are computed here
//! by hand (the rest as "Khác"), and a map with one point per row whose latitude and
//! longitude are on the Earth; a GeoJSON resource's map; bad questions are answered on the
//! page in Vietnamese with a 400; a draft's page and preview are 404; a download is counted;
//! the API examples name the dataset and its resource; a chart and a map are computed once per
//! version and question (the same after the table's rows are gone), and a table over 100,000
//! rows is charted only by an indexed column (refused in Vietnamese otherwise).

use crate::common;

use axum::http::StatusCode;
use common::TestApp;
use std::collections::BTreeMap;

on_both_databases!(
    the_search_page_has_facets_orders_and_words_without_diacritics,
    the_dataset_page_previews_charts_and_maps_its_table,
    charts_and_maps_are_kept_per_version_and_large_tables_group_by_indexed_columns,
);

const PASSWORD: &str = "TinhSo@2026";
const OFFICER: &str = "dulieu.tuphap@tinhso.local";
const LEADER: &str = "lanhdao.tuphap@tinhso.local";
const COMMUNES: [&str; 3] = ["Xã Đông Sơn", "Phường Hạc Thành", "Xã Nga Sơn"];
const ROWS: usize = 45;

struct Row {
    id: i64,
    name: String,
    commune: &'static str,
    pupils: i64,
    /// `None`: the latitude is empty or off the Earth.
    point: Option<(f64, f64)>,
    lat_text: String,
    lon_text: String,
}

fn rows() -> Vec<Row> {
    (1..=ROWS)
        .map(|i| {
            let lat = 19.5 + i as f64 * 0.01;
            let lon = 105.5 + i as f64 * 0.005;
            let lat_text = if i % 9 == 0 {
                String::new()
            } else if i % 11 == 0 {
                "95.0000".to_owned()
            } else {
                format!("{lat:.4}")
            };
            Row {
                id: i as i64,
                name: format!("Điểm trường số {i}"),
                commune: COMMUNES[i % 3],
                pupils: ((i * 37) % 500 + 10) as i64,
                point: (i % 9 != 0 && i % 11 != 0).then_some((lat, lon)),
                lat_text,
                lon_text: format!("{lon:.4}"),
            }
        })
        .collect()
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from("Tên điểm,Xã phường,Số học sinh,Vĩ độ,Kinh độ\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            r.name, r.commune, r.pupils, r.lat_text, r.lon_text
        ));
    }
    out
}

const GEOJSON: &str = r#"{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"name": "Chợ Vườn Hoa"}, "geometry": {"type": "Point", "coordinates": [105.78, 19.81]}},
 {"type": "Feature", "properties": {"name": "Bến xe phía Bắc"}, "geometry": {"type": "Point", "coordinates": [105.77, 19.83]}},
 {"type": "Feature", "properties": {"name": "Công viên"}, "geometry": {"type": "Polygon", "coordinates": [[[105.7, 19.7], [105.9, 19.7], [105.9, 19.9], [105.7, 19.7]]]}}
]}"#;

async fn sign_in(app: &TestApp, email: &str) {
    app.clear_cookies();
    let (status, body, _) = app.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{email} signs in: {body}");
}

async fn decide(app: &TestApp, id: &str, decision: &str) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/decision");
    let (status, body, _) = app
        .post_form(&page, &action, &[("decision", decision), ("reason", "")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{decision}: {body}");
}

async fn upload(app: &TestApp, id: &str, name: &str, file: &str, bytes: &[u8]) {
    let page = format!("/office/opendata/{id}");
    let action = format!("/office/opendata/{id}/upload");
    let (status, body, _) = app
        .post_multipart(&page, &action, &[("name", name)], &[("file", file, bytes)])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "upload {file}: {body}");
}

/// The fixture dataset (the CSV and a GeoJSON), drafted by the data officer: its id and the
/// CSV's resource id.
async fn draft(app: &TestApp) -> (String, String) {
    sign_in(app, OFFICER).await;
    let (status, body, location) = app
        .post_form(
            "/office/opendata/new",
            "/office/opendata/new",
            &[
                ("title", "Điểm trường và số học sinh (thử nghiệm)"),
                ("name", "diem-truong-thu"),
                ("notes", "Vị trí các điểm trường tiểu học."),
                ("field", "giao-duc"),
                ("tags", "trường học, bản đồ"),
                ("licence", "cc-zero"),
                ("frequency", "ANNUAL"),
                ("temporal_start", "2025-01-01"),
                ("temporal_end", ""),
                ("spatial", "Tỉnh Thanh Hóa"),
                ("contact_name", "Phòng Hành chính tư pháp"),
                ("contact_email", "dulieu.tuphap@tinhso.local"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let id = location
        .unwrap()
        .strip_prefix("/office/opendata/")
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    upload(
        app,
        &id,
        "Danh sách điểm trường",
        "diem-truong.csv",
        csv(&rows()).as_bytes(),
    )
    .await;
    upload(
        app,
        &id,
        "Địa điểm công cộng",
        "dia-diem.geojson",
        GEOJSON.as_bytes(),
    )
    .await;
    let resource: String = sqlx::Row::get(
        &sqlx::query("SELECT id FROM opendata_resources WHERE dataset_id = $1 AND format = 'CSV'")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap(),
        "id",
    );
    (id, resource)
}

async fn publish(app: &TestApp, id: &str) {
    sign_in(app, OFFICER).await;
    decide(app, id, "submit").await;
    sign_in(app, LEADER).await;
    decide(app, id, "approve").await;
    app.clear_cookies();
}

/// The HTML from `data-testid="<id>"` to the end of its element's kind (`</table>`,
/// `</ul>`, …), or panics.
fn part<'a>(html: &'a str, testid: &str, end: &str) -> &'a str {
    let at = html
        .find(&format!("data-testid=\"{testid}\""))
        .unwrap_or_else(|| panic!("{testid} not on the page"));
    let rest = &html[at..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The text of each `<td>` of each body row of a table.
fn table_rows(html: &str, testid: &str) -> Vec<Vec<String>> {
    let t = part(html, testid, "</table>");
    let body = &t[t.find("<tbody>").expect("tbody")..];
    body.split("<tr>")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| {
                    let start = td.find('>').unwrap() + 1;
                    let end = td.find("</td>").unwrap();
                    td[start..end].trim().to_owned()
                })
                .collect()
        })
        .collect()
}

/// A number as the page writes it in Vietnamese (`1.234,5`).
fn vi_number(text: &str) -> f64 {
    text.replace('.', "")
        .replace(',', ".")
        .parse()
        .unwrap_or_else(|_| panic!("a number: {text}"))
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
}

/// What follows the first `marker` in `text`.
fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    &text[text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {text}"))
        + marker.len()..]
}

/// Each facet's values (from its links' parameter) and counts.
fn facets(html: &str) -> BTreeMap<String, BTreeMap<String, i64>> {
    let aside = part(html, "od-facets", "</aside>");
    let mut out = BTreeMap::new();
    for ul in aside.split("<ul data-facet=\"").skip(1) {
        let facet = ul[..ul.find('"').unwrap()].to_owned();
        let mut values = BTreeMap::new();
        for li in ul.split("<li>").skip(1) {
            let href = unescape(after(li, "href=\"").split('"').next().unwrap());
            let count: i64 = after(li, "facet-count\">")
                .split('<')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let query = href.split_once('?').map(|(_, q)| q).unwrap_or("");
            let selected = li.contains("aria-current");
            let value = if selected {
                // A chosen value's link removes it; its label is the value shown.
                format!("chosen:{count}")
            } else {
                form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| *k == facet)
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            values.insert(value, count);
        }
        out.insert(facet, values);
    }
    out
}

/// The dataset pages the result list links to, in order.
fn listed(html: &str) -> Vec<String> {
    if !html.contains("data-testid=\"od-public-list\"") {
        return Vec::new();
    }
    part(html, "od-public-list", "</ul>")
        .split("href=\"/opendata/datasets/")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

fn counts(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

async fn the_search_page_has_facets_orders_and_words_without_diacritics(app: TestApp) {
    let (id, _) = draft(&app).await;
    // A draft is not found.
    app.clear_cookies();
    let (_, html) = app.get("/opendata?q=diem+truong").await;
    assert!(listed(&html).is_empty(), "a draft is not searched");
    publish(&app, &id).await;

    // Everything: the demo's two published datasets and the fixture.
    let (status, html) = app.get("/opendata").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Số bộ dữ liệu tìm thấy: 3"), "{html}");
    let f = facets(&html);
    // One publisher (Sở Tư pháp, as CKAN names it) with all three.
    assert_eq!(f["publisher"].values().copied().collect::<Vec<_>>(), [3]);
    assert_eq!(
        f["field"],
        counts(&[("giao-duc", 1), ("tu-phap", 1), ("xa-hoi", 1)])
    );
    assert_eq!(f["format"], counts(&[("CSV", 3), ("GEOJSON", 1)]));
    assert_eq!(f["licence"], counts(&[("cc-by", 2), ("cc-zero", 1)]));
    assert_eq!(
        f["tag"],
        counts(&[
            ("bản đồ", 1),
            ("công chứng", 1),
            ("hộ tịch", 1),
            ("khai sinh", 1),
            ("trường học", 1),
            ("tổ chức hành nghề", 1),
        ])
    );
    // Newest first: the fixture was approved last.
    let (_, html) = app.get("/opendata?sort=newest").await;
    assert_eq!(listed(&html)[0], "diem-truong-thu");
    // By name: code-point order of the titles ("Danh…" < "Số…" < "Điểm…").
    let (_, html) = app.get("/opendata?sort=name").await;
    let names = listed(&html);
    assert_eq!(names.len(), 3);
    assert_eq!(names[2], "diem-truong-thu");
    assert!(names[0].starts_with("danh-sach"), "{names:?}");

    // Words without diacritics, in any case.
    for q in ["diem truong", "DIEM TRUONG hoc sinh", "vi tri tieu hoc"] {
        let (status, html) = app
            .get(&format!("/opendata?q={}", q.replace(' ', "+")))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed(&html), vec!["diem-truong-thu"], "{q}");
    }
    let (_, html) = app.get("/opendata?q=khong+co+dau+nao").await;
    assert!(listed(&html).is_empty());
    assert!(html.contains("data-testid=\"od-public-none\""));

    // A facet's link filters; its counts follow; the chosen value's link removes it.
    let (_, html) = app.get("/opendata").await;
    let href = unescape(
        part(&html, "od-facets", "</aside>")
            .split("href=\"")
            .map(|s| &s[..s.find('"').unwrap_or(0)])
            .find(|h| h.contains("field=giao-duc"))
            .unwrap(),
    );
    let (_, html) = app.get(&href).await;
    assert_eq!(listed(&html), vec!["diem-truong-thu"]);
    let f = facets(&html);
    assert_eq!(f["field"], counts(&[("chosen:1", 1)]));
    assert_eq!(f["licence"], counts(&[("cc-zero", 1)]));
    assert!(
        unescape(&html).contains("<a href=\"/opendata\" aria-current=\"true\">"),
        "removing the only filter goes back to all"
    );
    // Two facets and words together.
    let (_, html) = app
        .get("/opendata?licence=cc-by&tag=khai+sinh&q=dang+ky")
        .await;
    assert_eq!(listed(&html).len(), 1);
    assert!(listed(&html)[0].starts_with("so-lieu"));
    let (_, html) = app.get("/opendata?licence=cc-zero&tag=khai+sinh").await;
    assert!(listed(&html).is_empty());

    // Bad questions are said on the page.
    let (status, html) = app.get("/opendata?sort=gia").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Cách sắp xếp không hợp lệ"));
    assert_eq!(listed(&html).len(), 3, "still answered by best match");
    let (status, html) = app.get("/opendata?page=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("Số trang phải là số nguyên từ 1 đến 10000."));
}

async fn page(app: &TestApp, query: &str) -> (StatusCode, String) {
    app.get(&format!("/opendata/datasets/diem-truong-thu{query}"))
        .await
}

async fn the_dataset_page_previews_charts_and_maps_its_table(app: TestApp) {
    let data = rows();
    let (id, rid) = draft(&app).await;
    // A draft's page, and its preview, are not found by anyone outside.
    app.clear_cookies();
    for q in ["", &format!("?r={rid}&sort=_id&dir=desc")] {
        let (status, _) = page(&app, q).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{q}");
    }
    let (status, _) = app
        .get(&format!(
            "/opendata/datasets/diem-truong-thu/resources/{rid}/download"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    publish(&app, &id).await;

    // The first page: 20 rows of 45, in the file's order.
    let (status, html) = page(&app, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(part(&html, "od-preview-total", "</p>").contains("<span class=\"total\">45</span>"));
    let shown = table_rows(&html, "od-preview");
    assert_eq!(shown.len(), 20);
    assert_eq!(
        shown[0],
        vec![
            "1",
            "Điểm trường số 1",
            "Phường Hạc Thành",
            "47",
            "19,51",
            "105,505"
        ]
    );
    // The last page holds the last 5.
    let (_, html) = page(&app, "?page=3").await;
    let shown = table_rows(&html, "od-preview");
    assert_eq!(
        shown.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ["41", "42", "43", "44", "45"]
    );

    // A header's link sorts (descending, ties by row number descending, as the API does).
    let (_, html) = page(&app, "").await;
    let header = unescape(
        part(&html, "od-preview", "</thead>")
            .split("href=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .nth(2)
            .unwrap(),
    )
    .split('#')
    .next()
    .unwrap()
    .to_owned();
    assert!(
        header.contains("sort=S%E1%BB%91+h%E1%BB%8Dc+sinh") && header.contains("dir=asc"),
        "{header}"
    );
    let (_, html) = app.get(&header.replace("dir=asc", "dir=desc")).await;
    let mut by_pupils: Vec<&Row> = data.iter().collect();
    by_pupils.sort_by(|a, b| b.pupils.cmp(&a.pupils).then(b.id.cmp(&a.id)));
    let want: Vec<String> = by_pupils
        .iter()
        .take(20)
        .map(|r| r.id.to_string())
        .collect();
    let got: Vec<String> = table_rows(&html, "od-preview")
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(got, want);
    assert!(html.contains("aria-sort=\"descending\""));

    // A filter by a column's value, and words without diacritics.
    let in_dong_son: Vec<String> = data
        .iter()
        .filter(|r| r.commune == "Xã Đông Sơn")
        .map(|r| r.id.to_string())
        .collect();
    let (status, html) = page(
        &app,
        "?col=X%C3%A3+ph%C6%B0%E1%BB%9Dng&val=X%C3%A3+%C4%90%C3%B4ng+S%C6%A1n",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let total = format!("<span class=\"total\">{}</span>", in_dong_son.len());
    assert!(part(&html, "od-preview-total", "</p>").contains(&total));
    let got: Vec<String> = table_rows(&html, "od-preview")
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(got, in_dong_son);
    let (_, html) = page(&app, "?q=xa+dong+son").await;
    assert!(part(&html, "od-preview-total", "</p>").contains(&total));
    let (_, html) = page(&app, "?q=truong+so+17").await;
    let got: Vec<String> = table_rows(&html, "od-preview")
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(got, ["17"]);
    // A filter by a number.
    let pupils_47: Vec<String> = data
        .iter()
        .filter(|r| r.pupils == 47)
        .map(|r| r.id.to_string())
        .collect();
    let (_, html) = page(&app, "?col=S%E1%BB%91+h%E1%BB%8Dc+sinh&val=47").await;
    let got: Vec<String> = table_rows(&html, "od-preview")
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(got, pupils_47);

    // Bad questions: said in Vietnamese on the page (400), the table shown unchanged.
    for (q, said) in [
        (
            "?sort=Kh%C3%B4ng+c%C3%B3",
            "Bảng không có cột “Không có” để sắp xếp.",
        ),
        ("?sort=_id&dir=len", "Chiều sắp xếp “len” không hợp lệ"),
        (
            "?col=S%E1%BB%91+h%E1%BB%8Dc+sinh&val=nhi%E1%BB%81u",
            "Cột “Số học sinh” chứa số: nhập một số để lọc.",
        ),
        (
            "?col=Huy%E1%BB%87n&val=x",
            "Bảng không có cột “Huyện” để lọc.",
        ),
        ("?page=0", "Số trang phải là số nguyên từ 1 đến 10000."),
        (
            "?label=T%C3%AAn+%C4%91i%E1%BB%83m&measure=sum",
            "Chọn cột giá trị (cột số) để tính tổng hoặc trung bình.",
        ),
        (
            "?label=X%C3%A3+ph%C6%B0%E1%BB%9Dng&kind=radar",
            "Loại biểu đồ “radar” không hợp lệ",
        ),
        (
            "?label=X%C3%A3+ph%C6%B0%E1%BB%9Dng&value=T%C3%AAn+%C4%91i%E1%BB%83m",
            "Cột giá trị “Tên điểm” không có hoặc không chứa số.",
        ),
    ] {
        let (status, html) = page(&app, q).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert!(html.contains(said), "{q}: {said}");
        assert_eq!(table_rows(&html, "od-preview").len(), 20, "{q}");
    }

    // A chart: the sum of pupils by commune, each as computed here.
    let (status, html) = page(
        &app,
        "?label=X%C3%A3+ph%C6%B0%E1%BB%9Dng&value=S%E1%BB%91+h%E1%BB%8Dc+sinh&kind=bar",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let svg = part(&html, "od-chart", "</svg>");
    assert_eq!(svg.matches("<rect").count(), 3);
    let mut sums: BTreeMap<String, (f64, i64)> = BTreeMap::new();
    for r in &data {
        let e = sums.entry(r.commune.to_owned()).or_default();
        e.0 += r.pupils as f64;
        e.1 += 1;
    }
    let drawn: BTreeMap<String, (f64, i64)> = table_rows(&html, "od-chart-table")
        .into_iter()
        .map(|r| (r[0].clone(), (vi_number(&r[1]), vi_number(&r[2]) as i64)))
        .collect();
    assert_eq!(drawn, sums);
    // The largest sum first.
    let first = &table_rows(&html, "od-chart-table")[0][0];
    let largest = sums
        .iter()
        .max_by(|a, b| a.1.0.total_cmp(&b.1.0))
        .unwrap()
        .0;
    assert_eq!(first, largest);
    // Averages, as a pie, of the rows a filter leaves.
    let (_, html) = page(&app, "?col=X%C3%A3+ph%C6%B0%E1%BB%9Dng&val=X%C3%A3+Nga+S%C6%A1n&label=X%C3%A3+ph%C6%B0%E1%BB%9Dng&value=S%E1%BB%91+h%E1%BB%8Dc+sinh&measure=avg&kind=pie").await;
    let (sum, n) = sums["Xã Nga Sơn"];
    let rows_drawn = table_rows(&html, "od-chart-table");
    assert_eq!(rows_drawn.len(), 1);
    assert!((vi_number(&rows_drawn[0][1]) - (sum / n as f64 * 100.0).round() / 100.0).abs() < 1e-9);
    assert_eq!(
        part(&html, "od-chart", "</svg>")
            .matches("class=\"slice\"")
            .count(),
        1
    );
    // 45 names: the 30 first by count (all 1, then by name), the other 15 as "Khác".
    let (_, html) = page(&app, "?label=T%C3%AAn+%C4%91i%E1%BB%83m&kind=line").await;
    assert_eq!(
        table_rows(&html, "od-chart-table").len(),
        30,
        "a line has no Khác"
    );
    let (_, html) = page(&app, "?label=T%C3%AAn+%C4%91i%E1%BB%83m").await;
    let drawn = table_rows(&html, "od-chart-table");
    assert_eq!(drawn.len(), 31);
    assert_eq!(drawn[30][0], "Khác");
    assert_eq!(drawn[30][1], "15");

    // The map: one point per row whose latitude and longitude are on the Earth.
    let valid = data.iter().filter(|r| r.point.is_some()).count();
    assert!(valid < ROWS);
    let (_, html) = page(&app, "").await;
    let note = part(&html, "od-map-note", "</p>");
    assert!(note.contains("Vĩ độ, Kinh độ"), "{note}");
    assert!(
        note.contains(&format!("<span class=\"points\">{valid}</span>")),
        "{note}"
    );
    let map = part(&html, "od-map", "</svg>");
    assert_eq!(map.matches("class=\"pt\"").count(), valid);
    assert!(map.contains("Điểm trường số 1 (19.51000, 105.50500)"));
    // The GeoJSON resource: its two points and the park's centre.
    let note = part(&html, "od-geomap-note", "</p>");
    assert!(note.contains("<span class=\"points\">3</span>"), "{note}");
    let geo = part(&html, "od-geomap", "</svg>");
    assert_eq!(geo.matches("class=\"pt\"").count(), 3);
    assert!(geo.contains("Công viên (19.80000, 105.80000)"));
    // The park is an area: drawn in its shape too, closed, with its name, and the note says so.
    assert_eq!(geo.matches("class=\"shape\"").count(), 1, "{geo}");
    let park = &geo[geo.find("class=\"shape\"").unwrap()..];
    let park = &park[..park.find("</path>").unwrap()];
    assert!(
        park.contains("Z\"") && park.contains("<title>Công viên</title>"),
        "{park}"
    );
    assert!(note.contains("vùng và đường được vẽ theo hình"), "{note}");

    // Ready API examples for this dataset and table.
    let examples = unescape(part(&html, "od-api-examples", "</pre>"));
    assert!(examples.contains("/api/3/action/package_show?id=diem-truong-thu"));
    assert!(examples.contains(&format!(
        "/api/3/action/datastore_search?resource_id={rid}&limit=5"
    )));
    assert!(examples.contains(&format!(
        "/opendata/datasets/diem-truong-thu/resources/{rid}/download"
    )));

    // A download is counted on the page.
    let downloads = |html: &str| -> Vec<String> {
        html.split("data-testid=\"od-downloads\">")
            .skip(1)
            .map(|s| s[..s.find('<').unwrap()].to_owned())
            .collect()
    };
    assert_eq!(downloads(&html), ["0", "0"]);
    let (status, body) = app
        .get(&format!(
            "/opendata/datasets/diem-truong-thu/resources/{rid}/download"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, csv(&data));
    let (_, html) = page(&app, "").await;
    assert_eq!(downloads(&html), ["1", "0"]);
}

/// The chart's rows on a page (none when it draws nothing).
fn chart_rows(html: &str) -> Vec<Vec<String>> {
    if html.contains("data-testid=\"od-chart-table\"") {
        table_rows(html, "od-chart-table")
    } else {
        Vec::new()
    }
}

async fn charts_and_maps_are_kept_per_version_and_large_tables_group_by_indexed_columns(
    app: TestApp,
) {
    let data = rows();
    let (id, rid) = draft(&app).await;
    publish(&app, &id).await;
    let by_commune = "?label=X%C3%A3+ph%C6%B0%E1%BB%9Dng&value=S%E1%BB%91+h%E1%BB%8Dc+sinh";
    let (status, html) = page(&app, by_commune).await;
    assert_eq!(status, StatusCode::OK);
    let chart = chart_rows(&html);
    assert_eq!(chart.len(), 3);
    let map = part(&html, "od-map", "</svg>").to_owned();
    let valid = data.iter().filter(|r| r.point.is_some()).count();
    assert_eq!(map.matches("class=\"pt\"").count(), valid);

    // The version's rows go (as nothing a visitor does can make them go): the same chart and
    // map are drawn from what the first view kept, with no query to the table.
    let (table, columns): (String, String) = sqlx::query_as(
        "SELECT t.table_name, t.columns FROM opendata_tables t
         JOIN opendata_versions v ON v.id = t.version_id WHERE v.resource_id = $1",
    )
    .bind(&rid)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert!(table.starts_with("od_") && table[3..].chars().all(|c| c.is_ascii_alphanumeric()));
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, html) = page(&app, by_commune).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chart_rows(&html), chart, "the chart kept");
    assert_eq!(part(&html, "od-map", "</svg>"), map, "the map kept");
    // Drawn as a pie: the same groups, laid out differently.
    let (_, html) = page(&app, &format!("{by_commune}&kind=pie")).await;
    assert_eq!(chart_rows(&html), chart);
    // A question not asked before is answered from the table as it is now: empty.
    let (status, html) = page(&app, "?label=T%C3%AAn+%C4%91i%E1%BB%83m").await;
    assert_eq!(status, StatusCode::OK);
    assert!(chart_rows(&html).is_empty(), "computed now, from no rows");

    // The registry says the table is large and its names column has no index.
    let mut columns: Vec<serde_json::Value> = serde_json::from_str(&columns).unwrap();
    let names = columns
        .iter_mut()
        .find(|c| c["id"] == "Tên điểm")
        .expect("a names column");
    names["indexed"] = serde_json::Value::Bool(false);
    sqlx::query("UPDATE opendata_tables SET row_count = $2, columns = $3 WHERE table_name = $1")
        .bind(&table)
        .bind(200_000_i64)
        .bind(serde_json::to_string(&columns).unwrap())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    // Grouping it by names is refused (even though a small table's answer was kept).
    let (status, html) = page(&app, "?label=T%C3%AAn+%C4%91i%E1%BB%83m&kind=pie").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Bảng này có hơn 100.000 dòng: biểu đồ chỉ nhóm được theo cột có chỉ mục ("),
        "the refusal in Vietnamese"
    );
    assert!(chart_rows(&html).is_empty());
    // By an indexed column it is still drawn.
    let (status, html) = page(&app, by_commune).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chart_rows(&html), chart);
}
