//! The pages: for an agency's data officers and leaders ("Dữ liệu mở" in the back office) the
//! list of the agency's datasets, the new-dataset form, and the dataset page with its
//! resources, every version's check report, the upload and link forms and the publish flow's
//! buttons; for everyone, without signing in, the list of published datasets, a dataset's
//! public page and its files' downloads, counted. A refused form comes back with its message
//! and what was typed; a refused upload shows the check's report and stores nothing.

use crate::policy::{self, DatasetAction, OpenDatasetPolicy};
use crate::service::{self, Decision, MetadataInput, Upload, UploadInput, Who};
use crate::{OpenDataset, Resource, store};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use tinhso_domain::opendata::codes::{FIELDS, FileFormat, Frequency, Licence};
use tinhso_kernel::Ctx;
use tinhso_kernel::audit::Actor;
use tinhso_kernel::auth::User;
use tinhso_kernel::auth::platform::PlatformAction;
use tinhso_kernel::auth::policy::{Cx, Subject, allowed};
use tinhso_kernel::error::{AppError, FieldError, PageResult};
use tinhso_kernel::extract::{Form, Path, Query};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;
use tinhso_kernel::web::{Page, form_errors_in, sv};

/// The public list: the navigation's link.
pub const PUBLIC_LIST: &str = "/opendata";
/// The agency's datasets in the back office.
pub const OFFICE_LIST: &str = "/office/opendata";

pub fn routes() -> Routes {
    let entity = Access::Entity("dataset");
    Routes::new("opendata")
        .get(PUBLIC_LIST, Access::Public, public_list)
        .get("/opendata/datasets/{name}", Access::Public, public_page)
        .get(
            "/opendata/datasets/{name}/resources/{rid}/download",
            Access::Public,
            download,
        )
        .get(OFFICE_LIST, entity, office_list)
        .get("/office/opendata/new", entity, new_form)
        .post("/office/opendata/new", entity, new_submit)
        .get("/office/opendata/{id}", entity, dataset_page)
        .post("/office/opendata/{id}/upload", entity, upload_submit)
        .post("/office/opendata/{id}/links", entity, link_submit)
        .post("/office/opendata/{id}/decision", entity, decision_submit)
}

/// The signed-in official, or why not (the back office is for officials).
async fn official(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    tinhso_kernel::auth::platform::may(ctx, &page.principal(), PlatformAction::BackOffice).await?;
    Ok(page.require_user()?.clone())
}

fn actor(user: &User, ip: &str) -> Actor {
    Actor {
        label: format!("user:{}", user.id),
        ip: ip.to_owned(),
    }
}

fn choices() -> Value {
    context! {
        fields => FIELDS.iter().map(|(code, title)| context! { code => *code, title => *title }).collect::<Vec<_>>(),
        licences => Licence::ALL.iter().map(|l| context! { code => l.as_str(), title => l.title() }).collect::<Vec<_>>(),
        frequencies => Frequency::ALL.iter().map(|f| context! { code => f.as_str(), title => f.label_vi() }).collect::<Vec<_>>(),
        formats => FileFormat::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
    }
}

/// A dataset as the pages show it: its metadata with the field's title and labels.
fn shown(d: &OpenDataset, public: bool) -> Value {
    let m = if public {
        d.published_metadata.as_ref().unwrap_or(&d.metadata)
    } else {
        &d.metadata
    };
    context! {
        id => d.id.clone(), name => d.name.clone(), state => d.state.as_str(),
        state_label => d.state.label_vi(),
        revision => d.revision.map(|r| r.as_str()),
        revision_label => d.revision.map(|r| r.label_vi()),
        agency_code => d.agency_code.clone(), agency_name => d.agency_name.clone(),
        title => m.title.clone(), notes => m.notes.clone(),
        field => m.field.clone(),
        field_title => tinhso_domain::opendata::codes::field_title(&m.field).unwrap_or_default(),
        tags => m.tags.clone(),
        licence => m.licence.as_str(), licence_title => m.licence.title(), licence_url => m.licence.url(),
        frequency => m.frequency.as_str(), frequency_label => m.frequency.label_vi(),
        temporal_start => m.temporal_start.clone(), temporal_end => m.temporal_end.clone(),
        spatial => m.spatial.clone(),
        contact_name => m.contact_name.clone(), contact_email => m.contact_email.clone(),
        issued_at => d.issued_at.clone(), modified_at => d.modified_at.clone(),
        review_due_on => d.review_due_on.clone(),
        return_reason => d.return_reason.clone(), unpublish_reason => d.unpublish_reason.clone(),
        live => d.live,
    }
}

// ---------------------------------------------------------------- public

const PER_PAGE: usize = 20;

/// The search page's facets: the address parameter, the catalogue's field, the heading's key.
const FACETS: [(&str, &str, &str); 5] = [
    ("publisher", "organization", "od_facet_publisher"),
    ("field", "groups", "od_facet_field"),
    ("format", "res_format", "od_facet_format"),
    ("licence", "license_id", "od_facet_licence"),
    ("tag", "tags", "od_facet_tag"),
];

/// The search page's orders: the address value, `package_search`'s sort, the label's key.
const SORTS: [(&str, &str, &str); 3] = [
    (
        "relevance",
        "score desc, metadata_modified desc",
        "od_sort_relevance",
    ),
    ("newest", "metadata_modified desc", "od_sort_newest"),
    ("name", "title_string asc", "od_sort_name"),
];

/// The most values a facet lists (a chosen one is always listed).
const FACET_SHOWN: usize = 12;

/// "Dữ liệu mở": search the published datasets — words without diacritics, facets with
/// their counts as links that add or remove a filter, three orders, 20 a page.
async fn public_list(
    State(ctx): State<Ctx>,
    page: Page,
    Query(params): Query<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let mut problems: Vec<String> = Vec::new();
    let n = match crate::preview::page_number(&params) {
        Ok(n) => n,
        Err(r) => {
            problems.push(page.tr(r.key).replace("{}", &r.arg));
            1
        }
    };
    let q = params
        .get("q")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let mut words = crate::datastore::words(&q);
    if q.len() > crate::preview::MAX_Q_BYTES {
        problems.push(
            page.tr("od_err_q")
                .replace("{}", &crate::preview::MAX_Q_BYTES.to_string()),
        );
        words.clear();
    }
    if words.len() > crate::ckan::datastore::MAX_WORDS {
        problems.push(
            page.tr("od_err_words")
                .replace("{}", &crate::ckan::datastore::MAX_WORDS.to_string()),
        );
        words.truncate(crate::ckan::datastore::MAX_WORDS);
    }
    let sort_key = params
        .get("sort")
        .map(String::as_str)
        .unwrap_or("relevance");
    let sort = match SORTS.iter().find(|(k, _, _)| *k == sort_key) {
        Some(s) => s,
        None => {
            problems.push(page.tr("od_err_list_sort"));
            &SORTS[0]
        }
    };
    let chosen: Vec<(&str, String)> = FACETS
        .iter()
        .filter_map(|(param, field, _)| {
            params
                .get(*param)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(|v| (*field, v.to_owned()))
        })
        .collect();
    let found = crate::ckan::search_page(
        &ctx,
        &words,
        &chosen,
        sort.1,
        (n as usize - 1) * PER_PAGE,
        PER_PAGE,
    )
    .await
    .map_err(|e| match e {
        crate::ckan::CkanError::Internal(e) => e,
        other => AppError::Internal(anyhow::anyhow!("search page: {other:?}")),
    })?;
    let link = |changes: &[(&str, &str)]| crate::preview::link(PUBLIC_LIST, &params, changes, "");
    let facets: Vec<Value> = FACETS
        .iter()
        .zip(&found.facets)
        .map(|(&(param, _, title), (_, items))| {
            let current = params.get(param).map(|v| v.trim()).unwrap_or_default();
            let mut shown: Vec<Value> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let selected = item.value == current;
                if i >= FACET_SHOWN && !selected {
                    continue;
                }
                let display = if param == "licence" {
                    Licence::ALL
                        .iter()
                        .find(|l| l.as_str() == item.value)
                        .map(|l| l.title().to_owned())
                        .unwrap_or_else(|| item.display.clone())
                } else {
                    item.display.clone()
                };
                let value = if selected { "" } else { item.value.as_str() };
                shown.push(context! {
                    label => display, count => item.count, selected => selected,
                    href => link(&[(param, value), ("page", "")]),
                });
            }
            context! { param => param, title => page.tr(title), items => shown }
        })
        .collect();
    let datasets: Vec<Value> = found.datasets.iter().map(|d| shown(d, true)).collect();
    let sorts: Vec<Value> = SORTS
        .iter()
        .map(|(k, _, label)| context! { value => *k, label => page.tr(label), selected => *k == sort.0 })
        .collect();
    let kept: Vec<Value> = FACETS
        .iter()
        .filter_map(|(param, _, _)| {
            params
                .get(*param)
                .filter(|v| !v.trim().is_empty())
                .map(|v| context! { name => *param, value => v.trim() })
        })
        .collect();
    let more = found.count > n as usize * PER_PAGE;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let filtered = !chosen.is_empty() || !q.is_empty();
    let html = page.render(
        "opendata_public_list.html",
        context! {
            datasets => datasets, count => found.count, page => n, more => more,
            q => q, sorts => sorts, facets => facets, kept => kept, problems => problems,
            previous_href => link(&[("page", &(n - 1).to_string())]),
            next_href => link(&[("page", &(n + 1).to_string())]),
            filtered => filtered,
        },
    )?;
    Ok((status, html).into_response())
}

async fn public_dataset(ctx: &Ctx, name: &str) -> Result<OpenDataset, AppError> {
    store::by_name(&ctx.db, name)
        .await?
        .filter(service::is_public)
        .ok_or(AppError::NotFound)
}

/// A published dataset's page: metadata, last update and review, resources with their
/// download counts, ready API examples; for a tabular resource its preview (sortable,
/// filterable, paged), a chart of chosen columns and, with latitude and longitude columns, a
/// map; for a GeoJSON resource its map. Everything is server-rendered; a question the data
/// cannot answer is said on the page (400), never an error page.
async fn public_page(
    State(ctx): State<Ctx>,
    page: Page,
    headers: axum::http::HeaderMap,
    Path(name): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> PageResult<Response> {
    // `<name>.ttl|.jsonld|.rdf`: the dataset as DCAT (slugs have no dot).
    if let Some(document) = crate::dcat::dataset_document(&ctx, &name, &headers).await {
        return Ok(document?);
    }
    let d = public_dataset(&ctx, &name).await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let mut shown_resources = Vec::new();
    let mut tables: Vec<(&Resource, crate::datastore::Table)> = Vec::new();
    let mut geojson: Option<(&Resource, crate::Version)> = None;
    for r in resources.iter().filter(|r| r.published) {
        let version = match r.published_version {
            Some(n) => store::version_of(&ctx.db, &r.id, n).await?,
            None => None,
        };
        if let Some(t) = crate::datastore::public_table(&ctx, &r.id).await? {
            tables.push((r, t));
        }
        if r.kind == "upload"
            && r.format == FileFormat::GeoJson
            && geojson.is_none()
            && let Some(v) = &version
        {
            geojson = Some((r, v.clone()));
        }
        shown_resources.push(context! {
            resource => sv(r), version => version.as_ref().map(sv),
        });
    }
    let path = format!("/opendata/datasets/{}", d.name);
    let site = crate::ckan::site(&ctx);
    // The tabular resource shown: `r` when it names one, else the first.
    let chosen = params
        .get("r")
        .and_then(|rid| tables.iter().find(|(r, _)| &r.id == rid))
        .or_else(|| tables.first());
    let mut status = StatusCode::OK;
    let data = match chosen {
        Some((r, table)) => {
            let shown = data_view(&ctx, &page, &path, &params, r, table).await?;
            if shown.refused {
                status = StatusCode::BAD_REQUEST;
            }
            Some(shown.value)
        }
        None => None,
    };
    // The map reads and parses the whole file once per version (then kept): drawn for files up
    // to GEOJSON_MAP_MAX_BYTES, so an anonymous visitor cannot make a node parse 20 MB.
    let geo_map = match &geojson {
        Some((r, v)) if v.size_bytes <= GEOJSON_MAP_MAX_BYTES => {
            Some(geojson_map(&ctx, &page, r, v).await?)
        }
        _ => None,
    };
    let examples = api_examples(&site, &d.name, chosen.map(|(r, t)| (*r, t)));
    let html = page.render(
        "opendata_public.html",
        context! {
            dataset => shown(&d, true), resources => shown_resources,
            data => data, geo_map => geo_map, examples => examples,
            tables => tables.iter().map(|(r, _)| context! {
                id => r.id.clone(), name => r.name.clone(),
                href => crate::preview::link(&path, &BTreeMap::new(), &[("r", &r.id)], "xem-truoc"),
                current => chosen.is_some_and(|(c, _)| c.id == r.id),
            }).collect::<Vec<_>>(),
        },
    )?;
    Ok((status, html).into_response())
}

/// Ready-to-run API calls for the dataset and its shown table.
fn api_examples(
    site: &str,
    name: &str,
    table: Option<(&Resource, &crate::datastore::Table)>,
) -> Vec<String> {
    let mut out = vec![format!("curl '{site}/api/3/action/package_show?id={name}'")];
    if let Some((r, t)) = table {
        out.push(format!(
            "curl '{site}/api/3/action/datastore_search?resource_id={}&limit=5'",
            r.id
        ));
        let filter = t
            .columns
            .iter()
            .find(|c| c.indexed && c.kind == tinhso_tabular::ColumnType::Text)
            .or_else(|| t.columns.first());
        if let Some(c) = filter {
            let q = crate::preview::link(
                "",
                &BTreeMap::new(),
                &[
                    ("resource_id", &r.id),
                    (
                        "filters",
                        &serde_json::json!({ c.id.clone(): "…" }).to_string(),
                    ),
                    ("sort", "_id desc"),
                ],
                "",
            );
            out.push(format!("curl '{site}/api/3/action/datastore_search{q}'"));
        }
        out.push(format!(
            "curl -OJ '{site}/opendata/datasets/{name}/resources/{}/download'",
            r.id
        ));
    }
    out.push(format!("ckanapi action package_show id={name} -r {site}"));
    out
}

/// A table's part of the page, and whether a question was refused.
struct DataView {
    value: Value,
    refused: bool,
}

/// The most rows a map reads.
const MAP_READ: i64 = 20_000;

fn said(page: &Page, r: &crate::preview::Refusal) -> String {
    page.tr(r.key).replace("{}", &r.arg)
}

/// A `datastore_search` refusal in the reader's language.
fn search_refusal(
    page: &Page,
    table: &crate::datastore::Table,
    e: crate::ckan::CkanError,
) -> String {
    match e {
        crate::ckan::CkanError::Validation(list) => {
            if list.iter().any(|(_, m)| m.contains("not indexed")) {
                let indexed: Vec<&str> = table
                    .columns
                    .iter()
                    .filter(|c| c.indexed)
                    .map(|c| c.id.as_str())
                    .collect();
                page.tr("od_err_not_indexed")
                    .replace("{}", &indexed.join(", "))
            } else {
                page.tr("od_err_query")
            }
        }
        _ => page.tr("od_err_query"),
    }
}

/// The preview, the chart and the map of one table.
async fn data_view(
    ctx: &Ctx,
    page: &Page,
    path: &str,
    params: &BTreeMap<String, String>,
    r: &Resource,
    table: &crate::datastore::Table,
) -> Result<DataView, AppError> {
    use crate::ckan::datastore::read_search;
    let vi = page.lang == tinhso_kernel::web::i18n::Lang::Vi;
    let mut refused = false;
    let mut problem: Option<String> = None;
    // The preview's question, through the API's reader; refused, the plain first page.
    let asked = crate::preview::preview_params(params, table)
        .map_err(|r| said(page, &r))
        .and_then(|p| read_search(&p, table).map_err(|e| search_refusal(page, table, e)));
    let search = match asked {
        Ok((s, _, _)) => s,
        Err(message) => {
            refused = true;
            problem = Some(message);
            let plain = crate::preview::preview_params(&BTreeMap::new(), table)
                .map_err(|_| AppError::Internal(anyhow::anyhow!("plain preview refused")))?;
            read_search(&plain, table)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("plain preview: {e:?}")))?
                .0
        }
    };
    let (rows, total) = crate::datastore::run(ctx, table, &search, true).await?;
    let total = total.unwrap_or(0);
    // The parameters the links keep: those of the question asked, if it was answered.
    let mut kept: BTreeMap<String, String> = BTreeMap::new();
    if !refused {
        for k in [
            "r", "sort", "dir", "col", "val", "q", "page", "label", "value", "measure", "kind",
        ] {
            if let Some(v) = params.get(k).filter(|v| !v.trim().is_empty()) {
                kept.insert(k.to_owned(), v.trim().to_owned());
            }
        }
    }
    kept.insert("r".into(), r.id.clone());
    let sorted = kept.get("sort").cloned().unwrap_or_default();
    let desc = kept.get("dir").is_some_and(|d| d == "desc");
    let headers: Vec<Value> = table
        .columns
        .iter()
        .map(|c| {
            let on = sorted == c.id;
            let next = if on && !desc { "desc" } else { "asc" };
            context! {
                name => c.id.clone(), kind => c.ckan_type(),
                numeric => matches!(c.kind, tinhso_tabular::ColumnType::Int | tinhso_tabular::ColumnType::Numeric),
                sorted => on, desc => on && desc,
                href => crate::preview::link(path, &kept, &[("sort", &c.id), ("dir", next), ("page", "")], "xem-truoc"),
            }
        })
        .collect();
    let cell = |c: &tinhso_tabular::Cell| match c {
        tinhso_tabular::Cell::Null => String::new(),
        tinhso_tabular::Cell::Int(i) => i.to_string(),
        tinhso_tabular::Cell::Numeric(f) => crate::views::plain(*f, vi),
        tinhso_tabular::Cell::Text(t) => t.clone(),
    };
    // `_id` comes first in each row.
    let shown_rows: Vec<Value> = rows
        .iter()
        .map(|row| {
            context! {
                id => match row.first() { Some(tinhso_tabular::Cell::Int(i)) => *i, _ => 0 },
                cells => row.iter().skip(1).map(cell).collect::<Vec<_>>(),
            }
        })
        .collect();
    let n = search.offset / crate::preview::PREVIEW_ROWS + 1;
    let last = (total + crate::preview::PREVIEW_ROWS - 1) / crate::preview::PREVIEW_ROWS;
    let page_href =
        |p: i64| crate::preview::link(path, &kept, &[("page", &p.to_string())], "xem-truoc");
    let (chart, chart_problem) = chart_part(ctx, page, params, table, &search).await?;
    refused |= chart_problem.is_some();
    let chart_form = context! {
        label => params.get("label").cloned().unwrap_or_default(),
        value => params.get("value").cloned().unwrap_or_default(),
        measure => params.get("measure").cloned().unwrap_or_default(),
        kind => params.get("kind").cloned().unwrap_or_else(|| "bar".into()),
    };
    let map = map_part(ctx, page, table, &search).await?;
    let value = context! {
        resource_id => r.id.clone(), resource_name => r.name.clone(),
        headers => headers, rows => shown_rows, total => total, page => n, last => last,
        first_row => search.offset + 1, last_row => search.offset + rows.len() as i64,
        previous_href => (n > 1).then(|| page_href(n - 1)),
        next_href => (n < last).then(|| page_href(n + 1)),
        problem => problem,
        q => kept.get("q").cloned().unwrap_or_default(),
        col => kept.get("col").cloned().unwrap_or_default(),
        val => kept.get("val").cloned().unwrap_or_default(),
        sort => kept.get("sort").cloned().unwrap_or_default(),
        dir => kept.get("dir").cloned().unwrap_or_default(),
        filtered => kept.contains_key("col") || kept.contains_key("q"),
        reset_href => crate::preview::link(path, &BTreeMap::new(), &[("r", &r.id)], "xem-truoc"),
        chart => chart, chart_problem => chart_problem, chart_form => chart_form,
        map => map,
    };
    Ok(DataView { value, refused })
}

/// The chart asked for over the rows `search` leaves, or why it cannot be drawn.
async fn chart_part(
    ctx: &Ctx,
    page: &Page,
    params: &BTreeMap<String, String>,
    table: &crate::datastore::Table,
    search: &crate::datastore::Search,
) -> Result<(Option<Value>, Option<String>), AppError> {
    let vi = page.lang == tinhso_kernel::web::i18n::Lang::Vi;
    let ask = match crate::preview::chart_ask(params, table) {
        Err(r) => return Ok((None, Some(said(page, &r)))),
        Ok(None) => return Ok((None, None)),
        Ok(Some(ask)) => ask,
    };
    // Kept per version's table and question (the kind only lays the groups out).
    let key = format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{}\u{1f}{:?}\u{1f}{}",
        table.name,
        search.filters,
        search.words,
        ask.label,
        ask.value,
        ask.measure.as_str()
    );
    let kept = match crate::cache::CHARTS.get(&key) {
        Some(kept) => kept,
        None => {
            let groups = std::sync::Arc::new(
                store::datastore::groups(
                    &ctx.db,
                    &table.name,
                    &table.columns,
                    search,
                    (ask.label, ask.value, ask.measure),
                    crate::views::CHART_MAX as i64,
                )
                .await?,
            );
            let bytes = crate::cache::groups_bytes(&groups);
            crate::cache::CHARTS.put(key, groups.clone(), bytes);
            groups
        }
    };
    let (top, all) = (&kept.0, &kept.1);
    let slices = crate::views::slices(ask.kind, ask.measure, top, all, &page.tr("od_chart_others"));
    let measure_label = page.tr(&format!("od_measure_{}", ask.measure.as_str()));
    let label = &table.columns[ask.label].id;
    let title = match ask.value {
        Some(v) => format!("{measure_label} {} / {label}", table.columns[v].id),
        None => format!("{measure_label} / {label}"),
    };
    let shown_rows: i64 = top.iter().map(|g| g.rows).sum();
    Ok((
        Some(context! {
            svg => crate::views::chart_svg(ask.kind, &slices, &title, vi),
            title => title,
            rows => slices.iter().map(|s| context! {
                label => s.label.clone(), value => crate::views::number(s.value, vi), rows => s.rows,
            }).collect::<Vec<_>>(),
            groups_cut => top.len() >= crate::views::CHART_MAX && all.rows > shown_rows,
        }),
        None,
    ))
}

/// The map of the rows `search` leaves, when the table has latitude and longitude columns.
async fn map_part(
    ctx: &Ctx,
    page: &Page,
    table: &crate::datastore::Table,
    search: &crate::datastore::Search,
) -> Result<Option<Value>, AppError> {
    let names: Vec<&str> = table.columns.iter().map(|c| c.id.as_str()).collect();
    let numeric: Vec<bool> = table
        .columns
        .iter()
        .map(|c| {
            matches!(
                c.kind,
                tinhso_tabular::ColumnType::Int | tinhso_tabular::ColumnType::Numeric
            )
        })
        .collect();
    let Some((lat, lon)) = crate::views::lat_lon(&names, &numeric) else {
        return Ok(None);
    };
    let label = table
        .columns
        .iter()
        .position(|c| c.kind == tinhso_tabular::ColumnType::Text);
    // Kept per version's table and the rows asked for (the map ignores sort and page).
    let key = format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{lat}\u{1f}{lon}\u{1f}{label:?}",
        table.name, search.filters, search.words
    );
    let kept = match crate::cache::MAPS.get(&key) {
        Some(kept) => kept,
        None => {
            let (points, valid) = store::datastore::points(
                &ctx.db,
                &table.name,
                &table.columns,
                search,
                (lat, lon),
                label,
                MAP_READ,
            )
            .await?;
            let mut marks = crate::views::marks(&points);
            for m in &mut marks {
                m.label = short_label(&m.label);
            }
            let kept = std::sync::Arc::new(crate::cache::MapMarks {
                marks,
                shapes: Vec::new(),
                points: points.len(),
                valid: valid as usize,
            });
            let bytes = crate::cache::marks_bytes(&kept);
            crate::cache::MAPS.put(key, kept.clone(), bytes);
            kept
        }
    };
    Ok(Some(map_value(
        page,
        &kept,
        &table.columns[lat].id,
        &table.columns[lon].id,
    )))
}

/// The most characters of a point's label a map keeps (its tooltip).
const MAP_LABEL_CHARS: usize = 120;

fn short_label(label: &str) -> String {
    if label.chars().count() <= MAP_LABEL_CHARS {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(MAP_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// The map's part of the page: the SVG, how many points, and whether they were grouped or cut.
fn map_value(page: &Page, m: &crate::cache::MapMarks, lat: &str, lon: &str) -> Value {
    let vi = page.lang == tinhso_kernel::web::i18n::Lang::Vi;
    let svg = crate::views::map_svg(
        &m.marks,
        &m.shapes,
        &page.tr("od_map"),
        &page.tr("od_map_points"),
        vi,
    );
    context! {
        svg => svg, points => m.points, valid => m.valid, marks => m.marks.len(),
        shapes => m.shapes.len(),
        grouped => m.marks.len() < m.points, cut => m.points < m.valid,
        lat => lat, lon => lon,
    }
}

/// The largest GeoJSON file the dataset page draws (larger ones are downloaded to be mapped).
const GEOJSON_MAP_MAX_BYTES: i64 = 2 * 1024 * 1024;

/// The map of a GeoJSON resource: its points, its lines and areas drawn, and their centres.
async fn geojson_map(
    ctx: &Ctx,
    page: &Page,
    r: &Resource,
    v: &crate::Version,
) -> Result<Value, AppError> {
    // Kept per version: its file never changes.
    let key = format!("geojson\u{1f}{}", v.id);
    let m = match crate::cache::MAPS.get(&key) {
        Some(kept) => kept,
        None => {
            let bytes = tinhso_kernel::storage::get(ctx.storage.as_ref(), &v.object_key)
                .await?
                .ok_or(AppError::NotFound)?;
            let m = tokio::task::spawn_blocking(move || {
                let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
                let (points, seen) = crate::views::geojson_points(&doc, MAP_READ as usize);
                let mut marks = crate::views::marks(&points);
                for m in &mut marks {
                    m.label = short_label(&m.label);
                }
                crate::cache::MapMarks {
                    marks,
                    shapes: crate::views::geojson_shapes(&doc),
                    points: points.len(),
                    valid: seen,
                }
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("geojson: {e}")))?;
            let kept = std::sync::Arc::new(m);
            let bytes = crate::cache::marks_bytes(&kept);
            crate::cache::MAPS.put(key, kept.clone(), bytes);
            kept
        }
    };
    Ok(context! {
        map => map_value(page, &m, "", ""), resource_name => r.name.clone(),
    })
}

/// A published resource's file as it was uploaded (the published version), counted.
async fn download(
    State(ctx): State<Ctx>,
    Path((name, rid)): Path<(String, String)>,
) -> PageResult<Response> {
    let d = public_dataset(&ctx, &name).await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let r: &Resource = resources
        .iter()
        .find(|r| r.id == rid && r.published && r.kind == "upload")
        .ok_or(AppError::NotFound)?;
    let n = r.published_version.ok_or(AppError::NotFound)?;
    let v = store::version_of(&ctx.db, &r.id, n)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = tinhso_kernel::storage::get(ctx.storage.as_ref(), &v.object_key)
        .await?
        .ok_or(AppError::NotFound)?;
    let day = tinhso_kernel::time::local_now().date().to_string();
    store::count_download(&ctx.db, &r.id, &day).await?;
    Ok(tinhso_kernel::web::download(
        &v.media_type,
        &v.file_name,
        bytes.to_vec(),
    ))
}

// ---------------------------------------------------------------- back office

/// "Dữ liệu mở" in the back office: the agency's datasets, for its data officers and leaders.
async fn office_list(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let agency = user.agency_id.clone().unwrap_or_default();
    let insider = user.has_role(tinhso_kernel::auth::Role::DataOfficer)
        || user.has_role(tinhso_kernel::auth::Role::Leader);
    let list = if insider {
        store::of_agency(&ctx.db, &agency).await?
    } else {
        Vec::new()
    };
    let shown: Vec<Value> = list.iter().map(|d| shown(d, false)).collect();
    Ok(page
        .render(
            "opendata_office_list.html",
            context! { datasets => shown, creates => policy::may_create(&user) },
        )?
        .into_response())
}

/// The signed-in data officer, or why not.
async fn creator(ctx: &Ctx, page: &Page) -> Result<User, AppError> {
    let user = official(ctx, page).await?;
    if policy::may_create(&user) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

const NEW_ORDER: [&str; 12] = [
    "title",
    "name",
    "notes",
    "field",
    "tags",
    "licence",
    "frequency",
    "temporal_start",
    "temporal_end",
    "spatial",
    "contact_name",
    "contact_email",
];

fn render_new(
    page: &Page,
    values: &BTreeMap<String, String>,
    errors: &[FieldError],
) -> PageResult<Response> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        "opendata_new.html",
        context! {
            values => sv(values), errors => form_errors_in(errors, &NEW_ORDER), choices => choices(),
        },
    )?;
    Ok((status, html).into_response())
}

async fn new_form(State(ctx): State<Ctx>, page: Page) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let mut values = BTreeMap::new();
    values.insert("licence".to_owned(), Licence::default().as_str().to_owned());
    values.insert("contact_name".to_owned(), user.full_name.clone());
    values.insert(
        "contact_email".to_owned(),
        user.email.clone().unwrap_or_default(),
    );
    render_new(&page, &values, &[])
}

fn field(form: &BTreeMap<String, String>, key: &str) -> String {
    form.get(key)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

async fn new_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = creator(&ctx, &page).await?;
    let input = MetadataInput {
        name: field(&form, "name"),
        title: field(&form, "title"),
        notes: field(&form, "notes"),
        field: field(&form, "field"),
        tags: field(&form, "tags"),
        licence: field(&form, "licence"),
        frequency: field(&form, "frequency"),
        temporal_start: field(&form, "temporal_start"),
        temporal_end: field(&form, "temporal_end"),
        spatial: field(&form, "spatial"),
        contact_name: field(&form, "contact_name"),
        contact_email: field(&form, "contact_email"),
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::create(&ctx, &who, &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/opendata/{id}?done=create")).into_response()),
        Err(AppError::Validation(errors)) => render_new(&page, &form, &errors),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// How the dataset page is shown after a form: refused (its errors and what was typed, in the
/// form used, or a refused upload's report), or just done.
#[derive(Default)]
struct Kept {
    form: &'static str,
    status: Option<StatusCode>,
    message: Option<String>,
    errors: Vec<FieldError>,
    values: BTreeMap<String, String>,
    refused_report: Option<tinhso_tabular::Report>,
    done: Option<String>,
}

const DONE: [&str; 8] = [
    "create",
    "upload",
    "link",
    "submit",
    "approve",
    "return",
    "unpublish",
    "republish",
];

/// A report with its findings in the page's language (the check writes them in Vietnamese).
fn in_language(report: &tinhso_tabular::Report, page: &Page) -> tinhso_tabular::Report {
    let mut r = report.clone();
    for issue in r.errors.iter_mut().chain(r.warnings.iter_mut()) {
        issue.message = tinhso_kernel::web::i18n::message(page.lang, &issue.message);
    }
    r
}

async fn render_dataset(
    ctx: &Ctx,
    page: &Page,
    d: OpenDataset,
    kept: Kept,
) -> PageResult<Response> {
    let principal = page.principal();
    let offers = allowed::<OpenDatasetPolicy>(
        &Cx::from(ctx),
        &Subject::of(&principal),
        &d,
        &[
            DatasetAction::Edit,
            DatasetAction::Decide,
            DatasetAction::Unpublish,
            DatasetAction::Republish,
        ],
    )
    .await?;
    let mut conn = ctx.db.pool.acquire().await?;
    let resources = store::resources(&mut conn, &d.id).await?;
    drop(conn);
    let mut versions = store::versions(&ctx.db, &d.id).await?;
    for v in &mut versions {
        v.report = in_language(&v.report, page);
    }
    let by_resource: Vec<Value> = resources
        .iter()
        .map(|r| {
            let of: Vec<&crate::Version> =
                versions.iter().filter(|v| v.resource_id == r.id).collect();
            context! { resource => sv(r), versions => sv(of) }
        })
        .collect();
    let open = d.revision.is_some();
    let editing = tinhso_domain::opendata::state::may_edit(d.revision);
    let submitted = d.revision == Some(tinhso_domain::opendata::state::RevisionState::Submitted);
    let status = kept.status.unwrap_or(StatusCode::OK);
    let html = page.render(
        "opendata_dataset.html",
        context! {
            dataset => shown(&d, false),
            resources => by_resource,
            edits => offers.contains(&DatasetAction::Edit) && editing,
            submits => offers.contains(&DatasetAction::Edit) && open && !submitted,
            decides => offers.contains(&DatasetAction::Decide) && submitted,
            unpublishes => offers.contains(&DatasetAction::Unpublish) && d.state.is_public(),
            republishes => offers.contains(&DatasetAction::Republish)
                && d.state == tinhso_domain::opendata::state::DatasetState::Unpublished,
            public => d.state.is_public(),
            choices => choices(),
            kept_form => kept.form, message => kept.message,
            errors => form_errors_in(&kept.errors, &["name", "file", "link_name", "url", "link_format", "reason"]),
            values => sv(&kept.values),
            refused_report => kept.refused_report.as_ref().map(|r| sv(in_language(r, page))),
            done => kept.done.filter(|d| DONE.contains(&d.as_str())),
        },
    )?;
    Ok((status, html).into_response())
}

async fn dataset_page(
    State(ctx): State<Ctx>,
    page: Page,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult<Response> {
    official(&ctx, &page).await?;
    let d = policy::checked(&ctx, &page.principal(), &id, DatasetAction::Manage).await?;
    let kept = Kept {
        done: q.done,
        ..Kept::default()
    };
    render_dataset(&ctx, &page, d, kept).await
}

/// A refused action shown on the dataset page in `form`.
async fn refused(
    ctx: &Ctx,
    page: &Page,
    id: &str,
    form: &'static str,
    values: BTreeMap<String, String>,
    e: AppError,
) -> PageResult<Response> {
    let (status, errors, message) = match e {
        AppError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        AppError::Conflict(m) => (StatusCode::CONFLICT, Vec::new(), Some(m)),
        other => return Err(other.into()),
    };
    let d = policy::checked(ctx, &page.principal(), id, DatasetAction::Manage).await?;
    let kept = Kept {
        form,
        status: Some(status),
        message,
        errors,
        values,
        ..Kept::default()
    };
    render_dataset(ctx, page, d, kept).await
}

/// The most a form's text field may carry.
const MAX_FIELD_BYTES: usize = 64 * 1024;

async fn upload_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    // Not the agency's officer: refused before the file is read.
    policy::checked(&ctx, &page.principal(), &id, DatasetAction::Edit).await?;
    let mut multipart = multipart.map_err(|_| {
        AppError::BadRequest("Biểu mẫu tải tệp phải gửi dạng multipart/form-data.".into())
    })?;
    let broken = tinhso_kernel::web::multipart_error;
    let mut values = BTreeMap::new();
    let mut file: Option<(String, bytes::Bytes)> = None;
    while let Some(f) = multipart.next_field().await.map_err(broken)? {
        let key = f.name().unwrap_or_default().to_owned();
        match (key.as_str(), f.file_name().map(str::to_owned)) {
            ("file", Some(file_name)) => {
                let bytes = f.bytes().await.map_err(broken)?;
                let clean = tinhso_domain::attachment::clean_file_name(&file_name);
                file = Some((clean, bytes));
            }
            _ => {
                let value = f.text().await.map_err(broken)?;
                if value.len() > MAX_FIELD_BYTES {
                    return Err(AppError::PayloadTooLarge.into());
                }
                values.insert(key, value);
            }
        }
    }
    values.remove("_csrf");
    let (file_name, bytes) = file.unwrap_or_default();
    let input = UploadInput {
        name: values.get("name").cloned().unwrap_or_default(),
        file_name,
        bytes,
        resource: values
            .get("resource")
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::upload(&ctx, &who, &id, input).await {
        Ok(Upload::Stored { .. }) => {
            Ok(Redirect::to(&format!("/office/opendata/{id}?done=upload")).into_response())
        }
        Ok(Upload::Refused { report }) => {
            let d = policy::checked(&ctx, &principal, &id, DatasetAction::Manage).await?;
            let kept = Kept {
                form: "upload",
                status: Some(StatusCode::UNPROCESSABLE_ENTITY),
                values,
                refused_report: Some(report),
                ..Kept::default()
            };
            render_dataset(&ctx, &page, d, kept).await
        }
        Err(e) => refused(&ctx, &page, &id, "upload", values, e).await,
    }
}

async fn link_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    let result = service::link(
        &ctx,
        &who,
        &id,
        &field(&form, "link_name"),
        &field(&form, "url"),
        &field(&form, "link_format"),
    )
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/office/opendata/{id}?done=link")).into_response()),
        Err(e) => refused(&ctx, &page, &id, "link", form, e).await,
    }
}

async fn decision_submit(
    State(ctx): State<Ctx>,
    page: Page,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    let user = official(&ctx, &page).await?;
    let reason = field(&form, "reason");
    let (decision, done) = match field(&form, "decision").as_str() {
        "submit" => (Decision::Submit, "submit"),
        "approve" => (Decision::Approve, "approve"),
        "return" => (Decision::Return { reason }, "return"),
        "unpublish" => (Decision::Unpublish { reason }, "unpublish"),
        "republish" => {
            let principal = page.principal();
            let who = Who {
                principal: &principal,
                user: &user,
                actor: actor(&user, &ip),
            };
            return match service::republish(&ctx, &who, &id).await {
                Ok(()) => Ok(
                    Redirect::to(&format!("/office/opendata/{id}?done=republish")).into_response(),
                ),
                Err(e) => refused(&ctx, &page, &id, "republish", form, e).await,
            };
        }
        _ => {
            return Err(AppError::BadRequest(
                "Chọn gửi duyệt, phê duyệt, trả lại, gỡ công khai hoặc công khai lại.".into(),
            )
            .into());
        }
    };
    let principal = page.principal();
    let who = Who {
        principal: &principal,
        user: &user,
        actor: actor(&user, &ip),
    };
    match service::decide(&ctx, &who, &id, &decision).await {
        Ok(()) => Ok(Redirect::to(&format!("/office/opendata/{id}?done={done}")).into_response()),
        Err(e) => refused(&ctx, &page, &id, "decision", form, e).await,
    }
}
