//! The catalogue as DCAT-AP 3.0.1 (docs/opendata-design.md §8), for the national portal's
//! harvesters and anyone else: `/opendata/catalog.ttl|.jsonld|.rdf` (and `/opendata/catalog`
//! by `Accept`), 100 datasets a page with `hydra:PagedCollection` (`?page=`, as ckanext-dcat
//! pages), and one dataset's description at `/opendata/datasets/<name>.ttl|.jsonld|.rdf`
//! (served by the dataset page's route, see [`dataset_document`]: the router cannot match a
//! suffix). Only published datasets and their public resources appear; a draft's address is a
//! 404. Each answer carries a strong `ETag` (the body's SHA-256) and is answered 304 when the
//! client already holds it. The RDF itself is `tinhso-dcat`'s: this module only says what the
//! catalogue holds.

use crate::store::{self, PublicResource};
use crate::{OpenDataset, service};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tinhso_dcat::{
    Agent, Catalog, Concept, DataService, Dataset, Distribution, Format, Graph, Licence, Paging,
};
use tinhso_domain::opendata::codes::{FileFormat, Frequency, field_title};
use tinhso_kernel::Ctx;
use tinhso_kernel::error::{ApiError, AppError, Problem};
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;

/// Datasets on a page of the catalogue (ckanext-dcat's default).
pub const PER_PAGE: i64 = 100;
/// The highest page asked for that is read at all: a million datasets.
pub const MAX_PAGE: i64 = 10_000;

/// Plain routes, not OpenAPI operations: RDF documents at page addresses (like the CKAN API,
/// they keep their own standard's shape). Under `/opendata`, a folder of pages, the CSRF layer
/// refuses an unsafe method with 403 before the router could answer 405, which the API fuzzer
/// holds documented operations to; `page`'s range is stated in the 400 and in each page's
/// `hydra:itemsPerPage`/`hydra:lastPage`.
pub fn routes() -> Routes {
    Routes::new("opendata")
        .get("/opendata/catalog", Access::Public, catalog)
        .get("/opendata/catalog.ttl", Access::Public, catalog_ttl)
        .get("/opendata/catalog.jsonld", Access::Public, catalog_jsonld)
        .get("/opendata/catalog.rdf", Access::Public, catalog_rdf)
}

/// The catalogue's page in the format `Accept` prefers (Turtle for `*/*` or none).
pub async fn catalog(
    State(ctx): State<Ctx>,
    ip: ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let Some(format) = Format::negotiate(accept) else {
        return Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            "Danh mục có ở dạng text/turtle, application/ld+json hoặc application/rdf+xml.",
        )
        .into_response();
    };
    let mut resp = catalog_in(&ctx, &ip, format, query.as_deref(), &headers).await;
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// The catalogue's page as Turtle.
pub async fn catalog_ttl(
    State(ctx): State<Ctx>,
    ip: ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    catalog_in(&ctx, &ip, Format::Turtle, query.as_deref(), &headers).await
}

/// The catalogue's page as JSON-LD (an inline context: no network needed to read it).
pub async fn catalog_jsonld(
    State(ctx): State<Ctx>,
    ip: ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    catalog_in(&ctx, &ip, Format::JsonLd, query.as_deref(), &headers).await
}

/// The catalogue's page as RDF/XML.
pub async fn catalog_rdf(
    State(ctx): State<Ctx>,
    ip: ClientIp,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    catalog_in(&ctx, &ip, Format::RdfXml, query.as_deref(), &headers).await
}

/// `page` of the query string: 1 when absent; refused unless a whole number in 1–10,000.
pub fn page_param(query: Option<&str>) -> Result<i64, AppError> {
    let mut page = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k == "page" {
            if page.is_some() {
                return Err(AppError::BadRequest(
                    "Tham số page chỉ được có một lần.".into(),
                ));
            }
            page = Some(v.into_owned());
        }
    }
    let Some(text) = page else { return Ok(1) };
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
        _ => Err(AppError::BadRequest(format!(
            "Tham số page phải là số nguyên từ 1 đến {MAX_PAGE} (nhận được “{}”).",
            text.chars().take(40).collect::<String>()
        ))),
    }
}

/// The catalogue's page in `format`: within the client's share of the portal's machine
/// interfaces (one budget with the CKAN API: a harvester pages through it), else 429 with
/// `Retry-After`.
async fn catalog_in(
    ctx: &Ctx,
    ip: &ClientIp,
    format: Format,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    if let Some(wait) = crate::ckan::over_share(ctx, ip) {
        let mut resp = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            format!(
                "Quá nhiều yêu cầu từ địa chỉ này: hãy thử lại sau {} giây.",
                wait
            ),
        )
        .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return resp;
    }
    match catalog_graph(ctx, query).await {
        Ok(g) => answer(&g, format, headers),
        Err(e) => e,
    }
}

fn site(ctx: &Ctx) -> String {
    ctx.config.public_url.trim_end_matches('/').to_owned()
}

/// The catalogue's page, or the problem+json refusing the request.
async fn catalog_graph(ctx: &Ctx, query: Option<&str>) -> Result<Graph, Response> {
    let page = page_param(query).map_err(problem)?;
    let (total, last_change) = store::published_count(&ctx.db).await.map_err(problem)?;
    let last = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    if page > last {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("Danh mục có {last} trang ({total} bộ dữ liệu, {PER_PAGE} mỗi trang): không có trang {page}."),
        )
        .into_response());
    }
    let built = catalog_page(ctx, page, last, total, last_change).await;
    built.map_err(problem)
}

fn problem(e: AppError) -> Response {
    ApiError(e).into_response()
}

async fn catalog_page(
    ctx: &Ctx,
    page: i64,
    last: i64,
    total: i64,
    last_change: Option<String>,
) -> Result<Graph, AppError> {
    let site = site(ctx);
    let offset = (page - 1) * PER_PAGE;
    let datasets = store::published(&ctx.db, PER_PAGE, offset).await?;
    let mut resources: HashMap<String, Vec<PublicResource>> = HashMap::new();
    for r in store::public_resources_of_page(&ctx.db, PER_PAGE, offset).await? {
        resources.entry(r.dataset_id.clone()).or_default().push(r);
    }
    let described: Vec<Dataset> = datasets
        .iter()
        .map(|d| dataset(&site, d, resources.get(&d.id).map_or(&[], Vec::as_slice)))
        .collect();
    let served: Vec<String> = described.iter().map(|d| d.iri.clone()).collect();
    let publisher = match store::root_agency(&ctx.db).await? {
        Some((code, name)) => agency(&site, &code, &name),
        None => Agent {
            iri: format!("{site}/opendata#publisher"),
            name: PORTAL_TITLE.into(),
            identifier: None,
            kind: Some(regional_authority()),
        },
    };
    let address = |n: i64| format!("{site}/opendata/catalog?page={n}");
    let c = Catalog {
        iri: format!("{site}/opendata/catalog"),
        title: PORTAL_TITLE.into(),
        description: PORTAL_DESCRIPTION.into(),
        lang: "vi",
        homepage: format!("{site}/opendata"),
        publisher,
        modified: last_change.as_deref().map(date_time),
        theme_taxonomy: vec![fields_scheme(&site), eu_themes_scheme()],
        services: services(&site, &served),
        datasets: described,
        paging: Some(Paging {
            iri: address(page),
            total_items: total as u64,
            items_per_page: PER_PAGE as u64,
            first: address(1),
            last: address(last),
            next: (page < last).then(|| address(page + 1)),
            previous: (page > 1).then(|| address(page - 1)),
        }),
    };
    let mut g = Graph::new();
    g.catalog(&c);
    Ok(g)
}

/// `/opendata/datasets/<name>.<ext>` when `file` names a DCAT format: the published dataset's
/// description (404 for a draft, as its page). `None` for anything else (the page's name).
pub async fn dataset_document(
    ctx: &Ctx,
    file: &str,
    headers: &HeaderMap,
) -> Option<Result<Response, AppError>> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = Format::from_extension(ext)?;
    Some(dataset_answer(ctx, name, format, headers).await)
}

async fn dataset_answer(
    ctx: &Ctx,
    name: &str,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, AppError> {
    let d = store::by_name(&ctx.db, name)
        .await?
        .filter(service::is_public)
        .ok_or(AppError::NotFound)?;
    let site = site(ctx);
    let resources = store::public_resources(&ctx.db, Some(&d.id)).await?;
    let described = dataset(&site, &d, &resources);
    let mut g = Graph::new();
    for s in services(&site, std::slice::from_ref(&described.iri)) {
        g.service(&s);
    }
    g.dataset(&described);
    Ok(answer(&g, format, headers))
}

/// The document, or 304 when `If-None-Match` holds its ETag.
fn answer(g: &Graph, format: Format, headers: &HeaderMap) -> Response {
    let body = match tinhso_dcat::write(g, format) {
        Ok(b) => b,
        Err(e) => return ApiError(AppError::Internal(e.into())).into_response(),
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    let cache = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, "public, max-age=60".to_owned()),
    ];
    let held = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if held {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        [(header::CONTENT_TYPE, format.media_type().to_owned())],
        cache,
        body,
    )
        .into_response()
}

const PORTAL_TITLE: &str = "Cổng dữ liệu mở";
const PORTAL_DESCRIPTION: &str =
    "Danh mục dữ liệu mở của tỉnh (Nghị định 47/2020/NĐ-CP), mô tả theo DCAT-AP 3.0.1.";
const EU_THEMES: &str = "http://publications.europa.eu/resource/authority/data-theme";

fn regional_authority() -> Concept {
    Concept {
        iri: "http://purl.org/adms/publishertype/RegionalAuthority".into(),
        label: "Regional authority".into(),
        lang: "en",
        also_a: None,
        scheme: Some((
            "http://purl.org/adms/publishertype/1.0".into(),
            "Publisher type".into(),
        )),
    }
}

/// A publishing agency at its directory page.
fn agency(site: &str, code: &str, name: &str) -> Agent {
    Agent {
        iri: format!("{site}/agencies/{code}"),
        name: name.to_owned(),
        identifier: Some(code.to_owned()),
        kind: Some(regional_authority()),
    }
}

fn fields_scheme(site: &str) -> (String, String) {
    (
        format!("{site}/opendata/fields"),
        "Lĩnh vực dữ liệu mở của tỉnh".into(),
    )
}

fn eu_themes_scheme() -> (String, String) {
    (EU_THEMES.into(), "Data theme".into())
}

/// The EU data theme of each of the province's fields, with the theme's English label.
pub fn eu_theme(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "hanh-chinh" => ("GOVE", "Government and public sector"),
        "giao-duc" | "van-hoa" => ("EDUC", "Education, culture and sport"),
        "y-te" => ("HEAL", "Health"),
        "dat-dai" | "moi-truong" => ("ENVI", "Environment"),
        "nong-nghiep" => ("AGRI", "Agriculture, fisheries, forestry and food"),
        "giao-thong" => ("TRAN", "Transport"),
        "xay-dung" => ("REGI", "Regions and cities"),
        "kinh-te" | "tai-chinh" | "lao-dong" => ("ECON", "Economy and finance"),
        "khoa-hoc" => ("TECH", "Science and technology"),
        "xa-hoi" => ("SOCI", "Population and society"),
        "tu-phap" => ("JUST", "Justice, legal system and public safety"),
        _ => return None,
    })
}

fn frequency(f: Frequency) -> Concept {
    Concept {
        iri: f.uri(),
        label: f.label_vi().into(),
        lang: "vi",
        also_a: Some("dct:Frequency"),
        scheme: None,
    }
}

/// `xsd:dateTime` in UTC from a stored timestamp.
fn date_time(text: &str) -> String {
    tinhso_kernel::time::parse(text)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| text.to_owned())
}

/// The CKAN Action API and this DCAT catalogue, serving `datasets`.
fn services(site: &str, datasets: &[String]) -> Vec<DataService> {
    vec![
        DataService {
            iri: format!("{site}/api/3/action/"),
            title: "CKAN Action API".into(),
            description: "Đọc danh mục và tài nguyên theo CKAN Action API v3 (package_search, package_show, resource_show…).".into(),
            endpoint_url: format!("{site}/api/3/action/"),
            conforms_to: vec![(
                "https://docs.ckan.org/en/2.11/api/".into(),
                "CKAN API 2.11".into(),
            )],
            keywords: vec!["ckan".into(), "api".into()],
            publisher: None,
            serves: datasets.to_vec(),
        },
        DataService {
            iri: format!("{site}/opendata/catalog#service"),
            title: "DCAT-AP".into(),
            description: "Danh mục theo DCAT-AP 3.0.1: Turtle, JSON-LD, RDF/XML, 100 bộ dữ liệu mỗi trang.".into(),
            endpoint_url: format!("{site}/opendata/catalog"),
            conforms_to: vec![(
                "http://data.europa.eu/r5r/".into(),
                "DCAT-AP 3.0.1".into(),
            )],
            keywords: vec!["dcat".into()],
            publisher: None,
            serves: datasets.to_vec(),
        },
    ]
}

fn dataset(site: &str, d: &OpenDataset, resources: &[PublicResource]) -> Dataset {
    let m = d.published_metadata.as_ref().unwrap_or(&d.metadata);
    let page = format!("{site}/opendata/datasets/{}", d.name);
    let licence = m.licence.url().map(|url| Licence {
        iri: url.to_owned(),
        title: m.licence.title().to_owned(),
    });
    let mut themes = Vec::new();
    if let Some(title) = field_title(&m.field) {
        let (scheme, scheme_title) = fields_scheme(site);
        themes.push(Concept {
            iri: format!("{scheme}/{}", m.field),
            label: title.to_owned(),
            lang: "vi",
            also_a: None,
            scheme: Some((scheme, scheme_title)),
        });
    }
    if let Some((code, label)) = eu_theme(&m.field) {
        themes.push(Concept {
            iri: format!("{EU_THEMES}/{code}"),
            label: label.to_owned(),
            lang: "en",
            also_a: None,
            scheme: Some(eu_themes_scheme()),
        });
    }
    let distributions = resources
        .iter()
        .map(|r| {
            let download = format!("{page}/resources/{}/download", r.id);
            let format: Option<FileFormat> = r.format.parse().ok();
            let upload = r.kind == "upload";
            let url = match &r.url {
                Some(u) if !upload => u.clone(),
                _ => download,
            };
            Distribution {
                iri: format!("{page}#resource-{}", r.id),
                title: r.name.clone(),
                access_url: url.clone(),
                download_url: upload.then(|| url.clone()),
                access_service: Some(format!("{site}/api/3/action/")),
                format: format.map(|f| {
                    format!(
                        "http://publications.europa.eu/resource/authority/file-type/{}",
                        f.as_str()
                    )
                }),
                media_type: r
                    .media_type
                    .clone()
                    .or_else(|| format.map(|f| f.media_type().to_owned())),
                licence: licence.clone(),
                byte_size: r.size_bytes.and_then(|n| u64::try_from(n).ok()),
                sha256: r.sha256.clone().filter(|h| !h.is_empty()),
                modified: r.version_at.as_deref().map(date_time),
            }
        })
        .collect();
    let contact = (!m.contact_name.is_empty() || !m.contact_email.is_empty()).then(|| {
        let name = if m.contact_name.is_empty() {
            d.agency_name.clone()
        } else {
            m.contact_name.clone()
        };
        (name, m.contact_email.clone())
    });
    Dataset {
        iri: format!("{page}#dataset"),
        title: m.title.clone(),
        description: if m.notes.is_empty() {
            m.title.clone()
        } else {
            m.notes.clone()
        },
        lang: "vi",
        identifier: d.id.clone(),
        publisher: agency(site, &d.agency_code, &d.agency_name),
        contact,
        keywords: m.tags.clone(),
        themes,
        frequency: Some(frequency(m.frequency)),
        issued: d.issued_at.as_deref().map(date_time),
        modified: d
            .modified_at
            .as_deref()
            .or(d.issued_at.as_deref())
            .map(date_time),
        spatial: Some(m.spatial.clone()).filter(|s| !s.is_empty()),
        temporal: (m.temporal_start.clone(), m.temporal_end.clone()),
        landing_page: page,
        distributions,
    }
}
