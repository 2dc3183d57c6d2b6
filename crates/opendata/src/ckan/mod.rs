//! The CKAN Action API v3, read actions (docs/opendata-design.md §6), at `/api/3/action/<name>`
//! and `/api/action/<name>` (where ckanapi posts), GET and POST (JSON or form), for anyone
//! and without sign-in, so that CKAN clients and harvesters work unchanged: CKAN 2.11's
//! envelope (`help`, `success`, `result` or `error` with `__type`), its error types and HTTP
//! codes. Not in the OpenAPI (CKAN's own shape, like Open311). No CSRF token is asked: the
//! kernel checks none under `/api/` without a session cookie, which CKAN clients never hold
//! (a protocol path must be a top-level folder of its own, and `/api/` is reserved). Each node keeps a copy of the published catalogue, read
//! again only when `opendata_catalog.generation` moved (one row read per request), and
//! searches it in memory ([`query`]); the bit-set index of §6.3 comes later.

pub mod datastore;
pub mod query;
pub mod throttle;

use crate::store::{self, PublicResource};
use crate::{OpenDataset, service};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use query::{Doc, Query, QueryError};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};
use tinhso_domain::opendata::codes::{FIELDS, field_title};
use tinhso_domain::text::fold;
use tinhso_kernel::Ctx;
use tinhso_kernel::error::AppError;
use tinhso_kernel::module::{Access, Routes};
use tinhso_kernel::net::ClientIp;

pub fn routes() -> Routes {
    Routes::new("opendata")
        .get("/api/3/action/{name}", Access::Public, get_action)
        .post("/api/3/action/{name}", Access::Public, post_action)
        .get("/api/action/{name}", Access::Public, get_action)
        .post("/api/action/{name}", Access::Public, post_action)
}

/// What an action refuses, as CKAN names it.
#[derive(Debug)]
pub enum CkanError {
    /// 404 `Not Found Error`, `"Not found"` or `"Not found: <detail>"`.
    NotFound(Option<String>),
    /// 409 `Validation Error`: field → messages.
    Validation(Vec<(String, String)>),
    /// 400 `Search Query Error`.
    SearchQuery(String),
    /// 409 `Search Error`.
    Search(String),
    /// 500 `Internal Server Error`.
    Internal(AppError),
}

impl From<AppError> for CkanError {
    fn from(e: AppError) -> Self {
        CkanError::Internal(e)
    }
}

impl From<QueryError> for CkanError {
    fn from(e: QueryError) -> Self {
        match e {
            QueryError::Query(m) => CkanError::SearchQuery(m),
            QueryError::Search(m) => CkanError::Search(m),
        }
    }
}

fn invalid(field: &str, message: &str) -> CkanError {
    CkanError::Validation(vec![(field.to_owned(), message.to_owned())])
}

const ACTIONS: [&str; 13] = [
    "package_list",
    "package_search",
    "package_show",
    "organization_list",
    "organization_show",
    "group_list",
    "group_show",
    "tag_list",
    "resource_show",
    "datastore_search",
    "datastore_info",
    "status_show",
    "help_show",
];

pub(crate) fn site(ctx: &Ctx) -> String {
    ctx.config.public_url.trim_end_matches('/').to_owned()
}

fn answer(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// CKAN's `_finish_bad_request`: a 400 whose body is a JSON string.
fn bad_request(detail: &str) -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        &Value::String(format!("Bad request - {detail}")),
    )
}

/// The request's parameters: a GET's query (repeated keys become lists) or a POST's JSON
/// object or form.
pub(crate) type Params = Map<String, Value>;

fn from_pairs(text: &str) -> Params {
    let mut out = Params::new();
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        let v = Value::String(v.into_owned());
        match out.get_mut(k.as_ref()) {
            Some(Value::Array(list)) => list.push(v),
            Some(existing) => *existing = Value::Array(vec![existing.take(), v]),
            None => {
                out.insert(k.into_owned(), v);
            }
        }
    }
    out
}

/// The node's limiter, keyed by database and client address (each database is one platform,
/// so two platforms in one process — the tests — do not share counts).
static LIMITER: LazyLock<std::sync::Mutex<throttle::Gcra>> =
    LazyLock::new(|| std::sync::Mutex::new(throttle::Gcra::new(300, 100)));

/// The seconds a client over its share of the portal's machine interfaces (the CKAN API and
/// the DCAT catalogue, one budget) must wait; `None` when it may go on.
pub(crate) fn over_share(ctx: &Ctx, ip: &ClientIp) -> Option<u64> {
    let key = format!("{}\u{0}{}", ctx.config.database_url, ip.0);
    let verdict = LIMITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .check(&key, std::time::Instant::now());
    verdict.err()
}

/// CKAN's answer to a throttled client: 429, `Retry-After`, `__type` `Throttled`.
fn throttled(ctx: &Ctx, name: &str, ip: &ClientIp) -> Option<Response> {
    let wait = over_share(ctx, ip)?;
    let mut resp = answer(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({"help": format!("{}/api/3/action/help_show?name={name}", site(ctx)),
                "success": false,
                "error": {"__type": "Throttled", "message": format!("Too many requests: try again in {wait} s")}}),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    Some(resp)
}

async fn get_action(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    ip: ClientIp,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(r) = throttled(&ctx, &name, &ip) {
        return r;
    }
    run(&ctx, &name, from_pairs(raw.as_deref().unwrap_or(""))).await
}

async fn post_action(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    ip: ClientIp,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = throttled(&ctx, &name, &ip) {
        return r;
    }
    if !ACTIONS.contains(&name.as_str()) {
        return bad_request(&format!("Action name not known: {name}"));
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let mut params = if form {
        from_pairs(&String::from_utf8_lossy(&body))
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Params::new()
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                return bad_request(&format!(
                    "Bad request data: Request data JSON decoded to {other} but it needs to be a dictionary."
                ));
            }
            Err(e) => return bad_request(&format!("JSON Error: {e}")),
        }
    };
    // Parameters in the address count too, below the body's.
    for (k, v) in from_pairs(raw.as_deref().unwrap_or("")) {
        params.entry(k).or_insert(v);
    }
    run(&ctx, &name, params).await
}

async fn run(ctx: &Ctx, name: &str, params: Params) -> Response {
    if !ACTIONS.contains(&name) {
        return bad_request(&format!("Action name not known: {name}"));
    }
    let help = format!("{}/api/3/action/help_show?name={name}", site(ctx));
    let result = match name {
        "package_list" => package_list(ctx, &params).await,
        "package_search" => package_search(ctx, &params).await,
        "package_show" => package_show(ctx, &params).await,
        "organization_list" => org_or_group_list(ctx, &params, true).await,
        "group_list" => org_or_group_list(ctx, &params, false).await,
        "organization_show" => org_or_group_show(ctx, &params, true).await,
        "group_show" => org_or_group_show(ctx, &params, false).await,
        "tag_list" => tag_list(ctx, &params).await,
        "resource_show" => resource_show(ctx, &params).await,
        "datastore_search" => datastore::datastore_search(ctx, &params).await,
        "datastore_info" => datastore::datastore_info(ctx, &params).await,
        "status_show" => Ok(status_show(ctx)),
        _ => help_show(&params),
    };
    match result {
        Ok(result) => answer(
            StatusCode::OK,
            &json!({"help": help, "success": true, "result": result}),
        ),
        Err(e) => {
            let (status, error) = match e {
                CkanError::NotFound(detail) => (
                    StatusCode::NOT_FOUND,
                    json!({"__type": "Not Found Error", "message": match detail {
                        Some(d) => format!("Not found: {d}"),
                        None => "Not found".to_owned(),
                    }}),
                ),
                CkanError::Validation(fields) => {
                    let mut map = Map::new();
                    for (field, message) in fields {
                        map.insert(field, json!([message]));
                    }
                    map.insert("__type".into(), json!("Validation Error"));
                    (StatusCode::CONFLICT, Value::Object(map))
                }
                CkanError::SearchQuery(m) => (
                    StatusCode::BAD_REQUEST,
                    json!({"__type": "Search Query Error", "message": m}),
                ),
                CkanError::Search(m) => (
                    StatusCode::CONFLICT,
                    json!({"__type": "Search Error", "message": m}),
                ),
                CkanError::Internal(e) => {
                    tracing_error(&e);
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        json!({"__type": "Internal Server Error", "message": "Internal Server Error"}),
                    )
                }
            };
            answer(
                status,
                &json!({"help": help, "success": false, "error": error}),
            )
        }
    }
}

fn tracing_error(e: &AppError) {
    tracing::error!(error = %e, "CKAN API");
}

// ---- parameters ----

fn text_param(p: &Params, key: &str) -> Option<String> {
    match p.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Array(list) => list.last().and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// A list given as repeated keys, a JSON array, or a string holding a JSON array.
fn list_param(p: &Params, key: &str) -> Result<Vec<String>, CkanError> {
    let strings = |list: &[Value]| {
        list.iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
    };
    Ok(match p.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => strings(list),
        Some(Value::String(s)) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Vec<Value>>(s) {
                Ok(list) => strings(&list),
                Err(_) => return Err(invalid(key, "Not a list")),
            }
        }
        Some(Value::String(s)) => vec![s.clone()],
        Some(_) => return Err(invalid(key, "Not a list")),
    })
}

/// An integer (a JSON number or its text); `Invalid integer` otherwise, negatives refused
/// with CKAN's words for the validator at hand.
fn int_param(p: &Params, key: &str, default: i64, negative: &str) -> Result<i64, CkanError> {
    let n = match p.get(key) {
        None | Some(Value::Null) => return Ok(default),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => match text_param(p, key) {
            Some(s) if s.trim().is_empty() => return Ok(default),
            Some(s) => s.trim().parse::<i64>().ok(),
            None => return Ok(default),
        },
    };
    match n {
        None => Err(invalid(key, "Invalid integer")),
        Some(n) if n < 0 => Err(invalid(key, negative)),
        Some(n) => Ok(n),
    }
}

fn bool_param(p: &Params, key: &str, default: bool) -> bool {
    match p.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(_) => match text_param(p, key).map(|s| s.to_ascii_lowercase()) {
            Some(s) => matches!(s.as_str(), "true" | "1" | "yes" | "on"),
            None => default,
        },
        None => default,
    }
}

fn required_id(p: &Params) -> Result<String, CkanError> {
    text_param(p, "id")
        .or_else(|| text_param(p, "name_or_id"))
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("id", "Missing value"))
}

// ---- the catalogue ----

/// CKAN's naive UTC timestamp with microseconds (what harvesters compare).
fn naive(text: &str) -> String {
    tinhso_kernel::time::parse(text)
        .map(|t| t.naive_utc().format("%Y-%m-%dT%H:%M:%S%.6f").to_string())
        .unwrap_or_else(|| text.to_owned())
}

/// An agency code as a CKAN organisation name: lowercase, `[a-z0-9_-]`.
pub fn org_name(code: &str) -> String {
    code.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

struct Org {
    id: String,
    name: String,
    title: String,
    created: Option<String>,
}

fn org_of(d: &OpenDataset) -> Org {
    Org {
        id: d.agency_id.clone(),
        name: org_name(&d.agency_code),
        title: d.agency_name.clone(),
        created: None,
    }
}

fn group_dict(code: &str, title: &str, count: Option<usize>) -> Value {
    let mut v = json!({
        "id": code, "name": code, "title": title, "display_name": title,
        "description": "", "image_url": "", "image_display_url": "", "created": Value::Null,
        "is_organization": false, "type": "group", "state": "active",
        "approval_status": "approved",
    });
    if let Some(n) = count {
        v["package_count"] = json!(n);
    }
    v
}

fn org_dict(o: &Org, count: Option<usize>) -> Value {
    let mut v = json!({
        "id": o.id, "name": o.name, "title": o.title, "display_name": o.title,
        "description": "", "image_url": "", "image_display_url": "", "created": o.created,
        "is_organization": true, "type": "organization", "state": "active",
        "approval_status": "approved",
    });
    if let Some(n) = count {
        v["package_count"] = json!(n);
    }
    v
}

fn resource_dict(site: &str, d: &OpenDataset, r: &PublicResource) -> Value {
    let upload = r.kind == "upload";
    let url = match &r.url {
        Some(u) if !upload => u.clone(),
        _ => format!(
            "{site}/opendata/datasets/{}/resources/{}/download",
            d.name, r.id
        ),
    };
    let changed = r.version_at.as_deref().map(naive);
    json!({
        "id": r.id, "package_id": d.id, "name": r.name, "description": "",
        "format": r.format, "url": url,
        "url_type": if upload { Value::from("upload") } else { Value::Null },
        "mimetype": r.media_type, "size": r.size_bytes, "hash": r.sha256.clone().unwrap_or_default(),
        "created": naive(&r.created_at), "last_modified": changed,
        "metadata_modified": changed.clone().unwrap_or_else(|| naive(&r.created_at)),
        "position": r.position, "state": "active", "resource_type": Value::Null,
        "datastore_active": r.datastore != 0,
    })
}

fn tag_dict(name: &str) -> Value {
    json!({"id": name, "name": name, "display_name": name, "state": "active", "vocabulary_id": Value::Null})
}

fn created(d: &OpenDataset) -> String {
    naive(d.issued_at.as_deref().unwrap_or(&d.created_at))
}

fn modified(d: &OpenDataset) -> String {
    naive(
        d.modified_at
            .as_deref()
            .or(d.issued_at.as_deref())
            .unwrap_or(&d.created_at),
    )
}

/// The package dict as CKAN serves it.
fn package_dict(site: &str, d: &OpenDataset, resources: &[&PublicResource]) -> Value {
    let m = d.published_metadata.as_ref().unwrap_or(&d.metadata);
    let org = org_of(d);
    let groups: Vec<Value> = field_title(&m.field)
        .map(|t| {
            json!({"id": m.field, "name": m.field, "title": t, "display_name": t,
                   "description": "", "image_display_url": ""})
        })
        .into_iter()
        .collect();
    let mut extras = vec![("frequency", m.frequency.uri()), ("language", "vi".into())];
    if let Some(s) = &m.temporal_start {
        extras.push(("temporal_start", s.clone()));
    }
    if let Some(e) = &m.temporal_end {
        extras.push(("temporal_end", e.clone()));
    }
    if !m.spatial.is_empty() {
        extras.push(("spatial_text", m.spatial.clone()));
    }
    extras.push(("issued", created(d)));
    extras.push(("modified", modified(d)));
    let extras: Vec<Value> = extras
        .into_iter()
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    let licence = m.licence;
    json!({
        "id": d.id, "name": d.name, "title": m.title, "notes": m.notes, "type": "dataset",
        "state": "active", "private": false, "owner_org": d.agency_id,
        "organization": org_dict(&org, None),
        "license_id": licence.as_str(), "license_title": licence.title(),
        "license_url": licence.url(), "isopen": true,
        "author": Value::Null, "author_email": Value::Null,
        "maintainer": m.contact_name, "maintainer_email": m.contact_email,
        "url": format!("{site}/opendata/datasets/{}", d.name), "version": Value::Null,
        "metadata_created": created(d), "metadata_modified": modified(d),
        "num_resources": resources.len(), "num_tags": m.tags.len(),
        "tags": m.tags.iter().map(|t| tag_dict(t)).collect::<Vec<_>>(),
        "groups": groups, "extras": extras,
        "resources": resources.iter().map(|r| resource_dict(site, d, r)).collect::<Vec<_>>(),
        "relationships_as_object": [], "relationships_as_subject": [],
        "creator_user_id": Value::Null,
    })
}

/// The published datasets and their public resources, as this node last read them.
struct Catalogue {
    /// `opendata_catalog.generation` when read.
    generation: i64,
    datasets: Vec<OpenDataset>,
    resources: HashMap<String, Vec<PublicResource>>,
    /// Each dataset's search document, in `datasets` order.
    docs: Vec<Doc>,
    /// The documents' words, for searches by words.
    index: query::WordIndex,
}

/// Sized for this slice: the bit-set snapshot of §6.3 replaces the linear search.
const CATALOGUE_MAX: i64 = 200_000;

/// Each database's catalogue as last read by this node, keyed by database address (one
/// process can serve several databases: the test suite runs many at once).
static CATALOGUES: LazyLock<std::sync::Mutex<HashMap<String, Arc<Catalogue>>>> =
    LazyLock::new(Default::default);

/// One reading at a time: requests that find the copy stale wait for it instead of each
/// reading the whole catalogue.
static READING: LazyLock<tokio::sync::Mutex<()>> = LazyLock::new(Default::default);

impl Catalogue {
    /// The catalogue as of now: the node's copy if no dataset changed since it was read (one
    /// indexed row read per request), read again otherwise.
    async fn current(ctx: &Ctx) -> Result<Arc<Catalogue>, AppError> {
        let key = ctx.config.database_url.clone();
        let generation = store::catalogue_generation(&ctx.db).await?;
        if let Some(c) = Self::cached(&key, generation) {
            return Ok(c);
        }
        let _reading = READING.lock().await;
        if let Some(c) = Self::cached(&key, generation) {
            return Ok(c);
        }
        // Read the generation before the datasets: a change committed in between is then
        // read again on the next request rather than missed.
        let generation = store::catalogue_generation(&ctx.db).await?;
        let read = Arc::new(Catalogue::load(ctx, generation).await?);
        let mut all = CATALOGUES.lock().unwrap_or_else(|e| e.into_inner());
        all.insert(key, read.clone());
        Ok(read)
    }

    /// The copy of `key`'s catalogue if it is at `generation` or later.
    fn cached(key: &str, generation: i64) -> Option<Arc<Catalogue>> {
        let all = CATALOGUES.lock().unwrap_or_else(|e| e.into_inner());
        all.get(key).filter(|c| c.generation >= generation).cloned()
    }

    async fn load(ctx: &Ctx, generation: i64) -> Result<Catalogue, AppError> {
        let datasets = store::published(&ctx.db, CATALOGUE_MAX, 0).await?;
        let mut resources: HashMap<String, Vec<PublicResource>> = HashMap::new();
        for r in store::public_resources(&ctx.db, None).await? {
            resources.entry(r.dataset_id.clone()).or_default().push(r);
        }
        let mut catalogue = Catalogue {
            generation,
            datasets,
            resources,
            docs: Vec::new(),
            index: query::WordIndex::default(),
        };
        catalogue.docs = catalogue
            .datasets
            .iter()
            .map(|d| catalogue.doc(d))
            .collect();
        catalogue.index = query::WordIndex::of(&catalogue.docs);
        Ok(catalogue)
    }

    /// The datasets `query` matches among those `keep` lets through, in `sort` order, each
    /// with its score and position in `datasets`; only those holding `q`'s words are read.
    fn matches(
        &self,
        query: &Query,
        sort: &[(&str, bool)],
        keep: impl Fn(&Doc) -> bool,
    ) -> Vec<(u32, &Doc, usize)> {
        let mut hits: Vec<(u32, &Doc, usize)> = self
            .index
            .candidates(query, self.docs.len())
            .into_iter()
            .filter(|at| keep(&self.docs[*at]))
            .filter_map(|at| query.score(&self.docs[at]).map(|s| (s, &self.docs[at], at)))
            .collect();
        query::order(&mut hits, sort);
        hits
    }

    fn resources_of(&self, id: &str) -> Vec<&PublicResource> {
        self.resources
            .get(id)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    }

    fn doc(&self, d: &OpenDataset) -> Doc {
        let m = d.published_metadata.as_ref().unwrap_or(&d.metadata);
        let mut formats: Vec<String> = self
            .resources_of(&d.id)
            .iter()
            .map(|r| r.format.clone())
            .collect();
        formats.sort();
        formats.dedup();
        let group_title = field_title(&m.field).unwrap_or_default();
        Doc {
            id: d.id.clone(),
            name: d.name.clone(),
            title: m.title.clone(),
            organization: org_name(&d.agency_code),
            groups: vec![m.field.clone()],
            tags: m.tags.clone(),
            res_format: formats,
            license_id: m.licence.as_str().to_owned(),
            metadata_modified: modified(d),
            metadata_created: created(d),
            text: [
                m.title.as_str(),
                &m.notes,
                &m.tags.join(" "),
                &d.name,
                &d.agency_name,
                group_title,
                &m.spatial,
            ]
            .join(" "),
            ..Doc::default()
        }
        .prepared()
    }
}

// ---- actions ----

async fn package_list(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let limit = int_param(p, "limit", 0, "Must be a natural number")?;
    let offset = int_param(p, "offset", 0, "Must be a natural number")?;
    let mut names: Vec<String> = store::published(&ctx.db, CATALOGUE_MAX, 0)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect();
    names.sort();
    let names = names.into_iter().skip(offset as usize);
    Ok(json!(if p.contains_key("limit") {
        names.take(limit as usize).collect::<Vec<_>>()
    } else {
        names.collect()
    }))
}

/// Parameters `package_search` reads, and those it accepts and ignores (ckanapi and
/// harvesters send them; nothing private is ever shown).
const SEARCH_PARAMS: [&str; 19] = [
    "q",
    "fq",
    "fq_list",
    "rows",
    "start",
    "sort",
    "facet",
    "facet.field",
    "facet_field",
    "facet.limit",
    "facet.mincount",
    "include_private",
    "include_drafts",
    "include_deleted",
    "use_default_schema",
    "defType",
    "qf",
    "df",
    "fl",
];

/// CKAN's `ckan.search.rows_max` default.
const ROWS_MAX: i64 = 1000;

async fn package_search(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let unknown: Vec<&String> = p
        .keys()
        .filter(|k| !SEARCH_PARAMS.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<String> = unknown.iter().map(|k| format!("'{k}'")).collect();
        return Err(CkanError::SearchQuery(format!(
            "Search Query is invalid: (\"Invalid search parameters: [{}]\",)",
            names.join(", ")
        )));
    }
    let rows = int_param(p, "rows", 10, "Must be a positive integer")?.min(ROWS_MAX);
    let start = int_param(p, "start", 0, "Must be a natural number")?;
    let facet_limit = match p.get("facet.limit") {
        Some(_) => text_param(p, "facet.limit")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .ok_or_else(|| invalid("facet.limit", "Invalid integer"))?,
        None => 50,
    };
    let mincount = int_param(p, "facet.mincount", 1, "Must be a natural number")?;
    let mut fq = list_param(p, "fq_list")?;
    if let Some(f) = text_param(p, "fq") {
        fq.push(f);
    }
    let q = text_param(p, "q").unwrap_or_default();
    let query = Query::parse(&q, &fq)?;
    let sort_text = text_param(p, "sort")
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let sort = query::parse_sort(&sort_text)?;
    let mut facet_fields = list_param(p, "facet.field")?;
    facet_fields.extend(list_param(p, "facet_field")?);
    for f in &facet_fields {
        if !query::FIELDS.contains(&f.as_str()) {
            return Err(CkanError::Search(format!(
                "Search error: undefined field {f}"
            )));
        }
    }
    let faceting = bool_param(p, "facet", true);

    let cat = Catalogue::current(ctx).await?;
    let hits = cat.matches(&query, &sort, |_| true);
    let site = site(ctx);
    let results: Vec<Value> = hits
        .iter()
        .skip(start as usize)
        .take(rows as usize)
        .map(|(_, _, at)| {
            let d = &cat.datasets[*at];
            package_dict(&site, d, &cat.resources_of(&d.id))
        })
        .collect();
    let matched: Vec<&Doc> = hits.iter().map(|(_, d, _)| *d).collect();
    let mut facets = Map::new();
    let mut search_facets = Map::new();
    if faceting {
        for field in &facet_fields {
            let counts = query::facet(&matched, field, mincount, facet_limit);
            let display = |value: &str| facet_display(&cat, field, value);
            facets.insert(
                field.clone(),
                Value::Object(counts.iter().map(|(v, n)| (v.clone(), json!(n))).collect()),
            );
            let mut items: Vec<Value> = counts
                .iter()
                .map(|(v, n)| json!({"name": v, "display_name": display(v), "count": n}))
                .collect();
            items.sort_by(|a, b| b["display_name"].as_str().cmp(&a["display_name"].as_str()));
            search_facets.insert(field.clone(), json!({"title": field, "items": items}));
        }
    }
    Ok(json!({
        "count": hits.len(), "results": results, "facets": facets,
        "search_facets": search_facets, "sort": sort_text,
    }))
}

/// A facet value as people read it: an agency's name, a field's title.
fn facet_display(cat: &Catalogue, field: &str, value: &str) -> String {
    match field {
        "organization" => cat
            .datasets
            .iter()
            .find(|d| org_name(&d.agency_code) == value)
            .map(|d| d.agency_name.clone())
            .unwrap_or_else(|| value.to_owned()),
        "groups" => field_title(value).unwrap_or(value).to_owned(),
        _ => value.to_owned(),
    }
}

/// The facets the search page shows, in its order.
pub(crate) const PAGE_FACETS: [&str; 5] =
    ["organization", "groups", "res_format", "license_id", "tags"];

/// One value of a facet: its value, how people read it, how many matched datasets have it.
pub(crate) struct FacetItem {
    pub value: String,
    pub display: String,
    pub count: i64,
}

/// What the public search page shows: the matched count, a page of datasets, and the
/// [`PAGE_FACETS`] counted over every match.
pub(crate) struct PageSearch {
    pub count: usize,
    pub datasets: Vec<OpenDataset>,
    pub facets: Vec<(&'static str, Vec<FacetItem>)>,
}

/// The search page's search, over the same catalogue copy, words, order and facet counts as
/// `package_search`: `words` are folded words (no query syntax reaches the grammar), `chosen`
/// are facet values every match must have, `sort` is a `package_search` sort.
pub(crate) async fn search_page(
    ctx: &Ctx,
    words: &[String],
    chosen: &[(&str, String)],
    sort: &str,
    start: usize,
    rows: usize,
) -> Result<PageSearch, CkanError> {
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    let query = Query::parse(&quoted.join(" "), &[])?;
    let sort = query::parse_sort(sort)?;
    let cat = Catalogue::current(ctx).await?;
    let hits = cat.matches(&query, &sort, |doc| {
        chosen
            .iter()
            .all(|(field, value)| doc.values(field).contains(&value.as_str()))
    });
    let matched: Vec<&Doc> = hits.iter().map(|(_, d, _)| *d).collect();
    let facets = PAGE_FACETS
        .iter()
        .map(|field| {
            let items = query::facet(&matched, field, 1, -1)
                .into_iter()
                .map(|(value, count)| FacetItem {
                    display: facet_display(&cat, field, &value),
                    value,
                    count,
                })
                .collect();
            (*field, items)
        })
        .collect();
    let datasets = hits
        .iter()
        .skip(start)
        .take(rows)
        .map(|(_, _, at)| cat.datasets[*at].clone())
        .collect();
    Ok(PageSearch {
        count: hits.len(),
        datasets,
        facets,
    })
}

/// A published dataset by id or name; anything else is CKAN's "Not found".
async fn public_dataset(ctx: &Ctx, id: &str) -> Result<OpenDataset, CkanError> {
    let found = match store::by_id(&ctx.db, id).await? {
        Some(d) => Some(d),
        None => store::by_name(&ctx.db, id).await?,
    };
    found
        .filter(service::is_public)
        .ok_or(CkanError::NotFound(None))
}

async fn package_show(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let d = public_dataset(ctx, &required_id(p)?).await?;
    let resources = store::public_resources(&ctx.db, Some(&d.id)).await?;
    let refs: Vec<&PublicResource> = resources.iter().collect();
    Ok(package_dict(&site(ctx), &d, &refs))
}

async fn resource_show(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let id = required_id(p)?;
    let not_found = || CkanError::NotFound(Some("Resource was not found.".into()));
    let r = store::public_resource(&ctx.db, &id)
        .await?
        .ok_or_else(not_found)?;
    let d = public_dataset(ctx, &r.dataset_id)
        .await
        .map_err(|_| not_found())?;
    Ok(resource_dict(&site(ctx), &d, &r))
}

/// The organisations (publishing agencies with published datasets) or the 15 groups, each
/// with its dataset count.
fn owners(cat: &Catalogue, orgs: bool) -> Vec<(Value, String, String, usize)> {
    if orgs {
        let mut by: BTreeMap<String, (Org, usize)> = BTreeMap::new();
        for d in &cat.datasets {
            let o = org_of(d);
            let entry = by.entry(o.name.clone()).or_insert((o, 0));
            entry.1 += 1;
            let first = created(d);
            if entry.0.created.as_ref().is_none_or(|c| first < *c) {
                entry.0.created = Some(first);
            }
        }
        by.into_values()
            .map(|(o, n)| (org_dict(&o, Some(n)), o.name.clone(), o.title.clone(), n))
            .collect()
    } else {
        FIELDS
            .iter()
            .map(|(code, title)| {
                let n = cat
                    .datasets
                    .iter()
                    .filter(|d| d.published_metadata.as_ref().unwrap_or(&d.metadata).field == *code)
                    .count();
                (
                    group_dict(code, title, Some(n)),
                    (*code).to_owned(),
                    (*title).to_owned(),
                    n,
                )
            })
            .collect()
    }
}

async fn org_or_group_list(ctx: &Ctx, p: &Params, orgs: bool) -> Result<Value, CkanError> {
    let all_fields = bool_param(p, "all_fields", false);
    let limit = int_param(
        p,
        "limit",
        if all_fields { 25 } else { 1000 },
        "Must be a natural number",
    )?;
    let offset = int_param(p, "offset", 0, "Must be a natural number")?;
    let sort = text_param(p, "sort").unwrap_or_else(|| "title asc".into());
    let mut parts = sort.split_whitespace();
    let key = parts.next().unwrap_or("title");
    let desc = match parts.next().unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(invalid("sort", "Invalid sort")),
    };
    if !["name", "title", "package_count"].contains(&key) || parts.next().is_some() {
        return Err(invalid("sort", &format!("Cannot sort by field `{key}`")));
    }
    let only = list_param(p, if orgs { "organizations" } else { "groups" })?;
    let cat = Catalogue::current(ctx).await?;
    let mut all = owners(&cat, orgs);
    if !only.is_empty() {
        all.retain(|(_, name, _, _)| only.contains(name));
    }
    all.sort_by(|a, b| {
        let o = match key {
            "name" => a.1.cmp(&b.1),
            "package_count" => a.3.cmp(&b.3).then_with(|| a.1.cmp(&b.1)),
            _ => fold(&a.2).cmp(&fold(&b.2)).then_with(|| a.1.cmp(&b.1)),
        };
        if desc { o.reverse() } else { o }
    });
    let page = all.into_iter().skip(offset as usize).take(limit as usize);
    Ok(if all_fields {
        json!(page.map(|(v, ..)| v).collect::<Vec<_>>())
    } else {
        json!(page.map(|(_, name, ..)| name).collect::<Vec<_>>())
    })
}

async fn org_or_group_show(ctx: &Ctx, p: &Params, orgs: bool) -> Result<Value, CkanError> {
    let id = required_id(p)?;
    let cat = Catalogue::current(ctx).await?;
    let found = owners(&cat, orgs)
        .into_iter()
        .find(|(v, name, ..)| *name == id || v["id"].as_str() == Some(id.as_str()));
    let Some((mut dict, name, ..)) = found else {
        return Err(CkanError::NotFound(Some(
            if orgs {
                "Organization not found"
            } else {
                "Group not found"
            }
            .into(),
        )));
    };
    if !bool_param(p, "include_dataset_count", true) {
        dict.as_object_mut().map(|m| m.remove("package_count"));
    }
    if bool_param(p, "include_datasets", false) {
        let site = site(ctx);
        let packages: Vec<Value> = cat
            .datasets
            .iter()
            .filter(|d| {
                if orgs {
                    org_name(&d.agency_code) == name
                } else {
                    d.published_metadata.as_ref().unwrap_or(&d.metadata).field == name
                }
            })
            .take(1000)
            .map(|d| package_dict(&site, d, &cat.resources_of(&d.id)))
            .collect();
        dict["packages"] = json!(packages);
    }
    dict["users"] = json!([]);
    dict["extras"] = json!([]);
    dict["tags"] = json!([]);
    dict["groups"] = json!([]);
    Ok(dict)
}

async fn tag_list(ctx: &Ctx, p: &Params) -> Result<Value, CkanError> {
    let needle = text_param(p, "query")
        .or_else(|| text_param(p, "q"))
        .map(|s| fold(&s))
        .unwrap_or_default();
    let all_fields = bool_param(p, "all_fields", false);
    let tags: BTreeSet<String> = store::published(&ctx.db, CATALOGUE_MAX, 0)
        .await?
        .into_iter()
        .flat_map(|d| d.published_metadata.unwrap_or(d.metadata).tags)
        .filter(|t| fold(t).contains(&needle))
        .collect();
    Ok(if all_fields {
        json!(
            tags.iter()
                .map(
                    |t| json!({"id": t, "name": t, "display_name": t, "vocabulary_id": Value::Null})
                )
                .collect::<Vec<_>>()
        )
    } else {
        json!(tags)
    })
}

fn status_show(ctx: &Ctx) -> Value {
    json!({
        "site_title": "Cổng dữ liệu mở", "site_description": "Dữ liệu mở của tỉnh (Nghị định 47/2020/NĐ-CP).",
        "site_url": site(ctx), "locale_default": "vi", "error_emails_to": Value::Null,
        "extensions": ["datastore"], "ckan_version": "2.11.0",
    })
}

fn help_show(p: &Params) -> Result<Value, CkanError> {
    let name = text_param(p, "name").ok_or_else(|| invalid("name", "Missing value"))?;
    if !ACTIONS.contains(&name.as_str()) {
        return Err(CkanError::NotFound(Some(format!(
            "Action function not found: {name}"
        ))));
    }
    Ok(json!(format!(
        "CKAN Action API v3 `{name}`, read only (docs/opendata-design.md §6.2)."
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_names_are_ckan_names() {
        assert_eq!(org_name("000.17.22.H56"), "000-17-22-h56");
    }

    #[test]
    fn parameters_from_get_and_lists() {
        let p = from_pairs("facet.field=tags&facet.field=groups&rows=5&fq=a%3Ab");
        assert_eq!(
            list_param(&p, "facet.field").unwrap(),
            vec!["tags", "groups"]
        );
        assert_eq!(int_param(&p, "rows", 10, "x").unwrap(), 5);
        let p = from_pairs("facet.field=%5B%22tags%22%5D&rows=-1&start=x");
        assert_eq!(list_param(&p, "facet.field").unwrap(), vec!["tags"]);
        assert!(
            matches!(int_param(&p, "rows", 10, "neg"), Err(CkanError::Validation(v)) if v[0].1 == "neg")
        );
        assert!(
            matches!(int_param(&p, "start", 0, "neg"), Err(CkanError::Validation(v)) if v[0].1 == "Invalid integer")
        );
    }

    #[test]
    fn timestamps_are_naive_with_microseconds() {
        assert_eq!(
            naive("2026-11-29T10:11:12.345Z"),
            "2026-11-29T10:11:12.345000"
        );
    }
}
