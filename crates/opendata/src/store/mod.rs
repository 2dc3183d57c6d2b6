//! The module's statements (docs/ARCHITECTURE.md: SQL only in stores): datasets, resources,
//! versions and download counts.

pub mod live;
pub mod sample;

use crate::{Metadata, OpenDataset, Resource, Version};
use tinhso_kernel::db::{Conn, Db};
use tinhso_kernel::error::AppError;

#[derive(sqlx::FromRow)]
struct DatasetRow {
    id: String,
    name: String,
    agency_id: String,
    agency_code: String,
    agency_name: String,
    state: String,
    revision_state: Option<String>,
    metadata: String,
    published_metadata: Option<String>,
    issued_at: Option<String>,
    modified_at: Option<String>,
    review_due_on: Option<String>,
    return_reason: Option<String>,
    unpublish_reason: Option<String>,
    created_at: String,
    live: i64,
}

const DATASET: &str = "SELECT d.id, d.name, d.agency_id, a.code AS agency_code,
    a.name AS agency_name, d.state, d.revision_state, d.metadata, d.published_metadata,
    d.issued_at, d.modified_at, d.review_due_on, d.return_reason, d.unpublish_reason,
    d.created_at,
    CAST(CASE WHEN EXISTS (SELECT 1 FROM opendata_live l WHERE l.dataset_id = d.id)
      THEN 1 ELSE 0 END AS BIGINT) AS live
    FROM opendata_datasets d JOIN agencies a ON a.id = d.agency_id";

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored {what}: {e}"))
}

fn dataset(row: DatasetRow) -> Result<OpenDataset, AppError> {
    let metadata: Metadata =
        serde_json::from_str(&row.metadata).map_err(|e| internal("metadata", e))?;
    let published_metadata = match &row.published_metadata {
        Some(text) => Some(serde_json::from_str(text).map_err(|e| internal("metadata", e))?),
        None => None,
    };
    Ok(OpenDataset {
        state: row.state.parse().map_err(|e| internal("state", e))?,
        revision: match row.revision_state.as_deref() {
            Some(r) => Some(r.parse().map_err(|e| internal("revision", e))?),
            None => None,
        },
        id: row.id,
        name: row.name,
        agency_id: row.agency_id,
        agency_code: row.agency_code,
        agency_name: row.agency_name,
        metadata,
        published_metadata,
        issued_at: row.issued_at,
        modified_at: row.modified_at,
        review_due_on: row.review_due_on,
        return_reason: row.return_reason,
        unpublish_reason: row.unpublish_reason,
        created_at: row.created_at,
        live: row.live != 0,
    })
}

async fn one(conn: &mut Conn, sql: String, arg: &str) -> Result<Option<OpenDataset>, AppError> {
    let row: Option<DatasetRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(arg)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(dataset).transpose()
}

/// Dataset `id`.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<OpenDataset>, AppError> {
    let mut conn = db.pool.acquire().await?;
    one(&mut conn, format!("{DATASET} WHERE d.id = $1"), id).await
}

/// Dataset named `name` (its slug).
pub async fn by_name(db: &Db, name: &str) -> Result<Option<OpenDataset>, AppError> {
    let mut conn = db.pool.acquire().await?;
    one(&mut conn, format!("{DATASET} WHERE d.name = $1"), name).await
}

/// Dataset `id`, its row locked until `tx` ends.
pub async fn for_update(db: &Db, tx: &mut Conn, id: &str) -> Result<Option<OpenDataset>, AppError> {
    let lock = db.lock_rows("d");
    one(tx, format!("{DATASET} WHERE d.id = $1{lock}"), id).await
}

/// The datasets of `agency_id`, newest first.
pub async fn of_agency(db: &Db, agency_id: &str) -> Result<Vec<OpenDataset>, AppError> {
    let rows: Vec<DatasetRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DATASET} WHERE d.agency_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT 500"
    )))
    .bind(agency_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(dataset).collect()
}

/// Published datasets, most recently modified first.
pub async fn published(db: &Db, limit: i64, offset: i64) -> Result<Vec<OpenDataset>, AppError> {
    let rows: Vec<DatasetRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{DATASET} WHERE d.state = 'published'
         ORDER BY d.modified_at DESC, d.id DESC LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(dataset).collect()
}

/// How many datasets are published, and when the last of them changed.
pub async fn published_count(db: &Db) -> Result<(i64, Option<String>), AppError> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), MAX(modified_at) FROM opendata_datasets WHERE state = 'published'",
    )
    .fetch_one(&db.pool)
    .await?)
}

/// The code and name of the directory's first top-level agency (the province's people's
/// committee in the demo): the DCAT catalogue's publisher.
pub async fn root_agency(db: &Db) -> Result<Option<(String, String)>, AppError> {
    Ok(sqlx::query_as(
        "SELECT code, name FROM agencies WHERE parent_id IS NULL ORDER BY code LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}

/// Whether a dataset is named `name`.
pub async fn name_taken(conn: &mut Conn, name: &str) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM opendata_datasets WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

pub struct NewDataset<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub agency_id: &'a str,
    pub metadata: &'a str,
    pub created_by: &'a str,
    pub now: &'a str,
}

pub async fn insert_dataset(tx: &mut Conn, d: &NewDataset<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO opendata_datasets (id, name, agency_id, state, revision_state, metadata,
            created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 'draft', 'editing', $4, $5, $6, $6)",
    )
    .bind(d.id)
    .bind(d.name)
    .bind(d.agency_id)
    .bind(d.metadata)
    .bind(d.created_by)
    .bind(d.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What an action changes on the dataset row (every column set, as decided by the service).
pub struct DatasetChange<'a> {
    pub state: &'a str,
    pub revision_state: Option<&'a str>,
    pub metadata: &'a str,
    pub published_metadata: Option<&'a str>,
    pub issued_at: Option<&'a str>,
    pub modified_at: Option<&'a str>,
    pub review_due_on: Option<&'a str>,
    pub return_reason: Option<&'a str>,
    pub unpublish_reason: Option<&'a str>,
    pub now: &'a str,
}

pub async fn update_dataset(
    tx: &mut Conn,
    id: &str,
    c: &DatasetChange<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE opendata_datasets SET state = $2, revision_state = $3, metadata = $4,
            published_metadata = $5, issued_at = $6, modified_at = $7, review_due_on = $8,
            return_reason = $9, unpublish_reason = $10, updated_at = $11
         WHERE id = $1",
    )
    .bind(id)
    .bind(c.state)
    .bind(c.revision_state)
    .bind(c.metadata)
    .bind(c.published_metadata)
    .bind(c.issued_at)
    .bind(c.modified_at)
    .bind(c.review_due_on)
    .bind(c.return_reason)
    .bind(c.unpublish_reason)
    .bind(c.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct ResourceRow {
    id: String,
    dataset_id: String,
    position: i64,
    name: String,
    format: String,
    kind: String,
    url: Option<String>,
    current_version: Option<i64>,
    published_version: Option<i64>,
    published: i64,
    downloads: i64,
}

fn resource(r: ResourceRow) -> Result<Resource, AppError> {
    Ok(Resource {
        format: r.format.parse().map_err(|e| internal("format", e))?,
        id: r.id,
        dataset_id: r.dataset_id,
        position: r.position,
        name: r.name,
        kind: r.kind,
        url: r.url,
        current_version: r.current_version,
        published_version: r.published_version,
        published: r.published != 0,
        downloads: r.downloads,
    })
}

/// The resources of dataset `id` in order, with their download counts.
pub async fn resources(conn: &mut Conn, dataset_id: &str) -> Result<Vec<Resource>, AppError> {
    let rows: Vec<ResourceRow> = sqlx::query_as(
        "SELECT r.id, r.dataset_id, r.position, r.name, r.format, r.kind, r.url,
            r.current_version, r.published_version, r.published,
            CAST(COALESCE((SELECT SUM(n.count) FROM opendata_downloads n WHERE n.resource_id = r.id), 0) AS BIGINT)
              AS downloads
         FROM opendata_resources r WHERE r.dataset_id = $1 ORDER BY r.position, r.id",
    )
    .bind(dataset_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter().map(resource).collect()
}

pub struct NewResource<'a> {
    pub id: &'a str,
    pub dataset_id: &'a str,
    pub name: &'a str,
    pub format: &'a str,
    pub kind: &'a str,
    pub url: Option<&'a str>,
    pub now: &'a str,
}

pub async fn insert_resource(tx: &mut Conn, r: &NewResource<'_>) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO opendata_resources (id, dataset_id, position, name, format, kind, url,
            published, created_at)
         VALUES ($1, $2, (SELECT COUNT(*) + 1 FROM opendata_resources WHERE dataset_id = $2),
            $3, $4, $5, $6, 0, $7)",
    )
    .bind(r.id)
    .bind(r.dataset_id)
    .bind(r.name)
    .bind(r.format)
    .bind(r.kind)
    .bind(r.url)
    .bind(r.now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

pub struct NewVersion<'a> {
    pub id: &'a str,
    pub resource_id: &'a str,
    pub object_key: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub encoding: Option<&'a str>,
    pub report: &'a str,
    pub row_count: Option<i64>,
    pub created_by: &'a str,
    pub now: &'a str,
}

/// Adds a version as the resource's next and makes it current; returns its number.
pub async fn insert_version(tx: &mut Conn, v: &NewVersion<'_>) -> Result<i64, AppError> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(n), 0) + 1 FROM opendata_versions WHERE resource_id = $1",
    )
    .bind(v.resource_id)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO opendata_versions (id, resource_id, n, object_key, file_name, media_type,
            size_bytes, sha256, encoding, report, row_count, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(v.id)
    .bind(v.resource_id)
    .bind(n)
    .bind(v.object_key)
    .bind(v.file_name)
    .bind(v.media_type)
    .bind(v.size_bytes)
    .bind(v.sha256)
    .bind(v.encoding)
    .bind(v.report)
    .bind(v.row_count)
    .bind(v.created_by)
    .bind(v.now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE opendata_resources SET current_version = $2 WHERE id = $1")
        .bind(v.resource_id)
        .bind(n)
        .execute(&mut *tx)
        .await?;
    Ok(n)
}

/// Approval: every resource of the dataset becomes public at its current version.
pub async fn publish_resources(tx: &mut Conn, dataset_id: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE opendata_resources SET published = 1, published_version = current_version
         WHERE dataset_id = $1",
    )
    .bind(dataset_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: String,
    resource_id: String,
    n: i64,
    object_key: String,
    file_name: String,
    media_type: String,
    size_bytes: i64,
    sha256: String,
    encoding: Option<String>,
    report: String,
    row_count: Option<i64>,
    created_by_name: String,
    created_at: String,
}

const VERSION: &str = "SELECT v.id, v.resource_id, v.n, v.object_key, v.file_name,
    v.media_type, v.size_bytes, v.sha256, v.encoding, v.report, v.row_count,
    u.full_name AS created_by_name, v.created_at
    FROM opendata_versions v JOIN users u ON u.id = v.created_by";

fn version(r: VersionRow) -> Result<Version, AppError> {
    Ok(Version {
        report: serde_json::from_str(&r.report).map_err(|e| internal("report", e))?,
        id: r.id,
        resource_id: r.resource_id,
        n: r.n,
        object_key: r.object_key,
        file_name: r.file_name,
        media_type: r.media_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        encoding: r.encoding,
        row_count: r.row_count,
        created_by_name: r.created_by_name,
        created_at: r.created_at,
    })
}

/// Every version of the dataset's resources, newest first.
pub async fn versions(db: &Db, dataset_id: &str) -> Result<Vec<Version>, AppError> {
    let rows: Vec<VersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VERSION} JOIN opendata_resources r ON r.id = v.resource_id
         WHERE r.dataset_id = $1 ORDER BY v.created_at DESC, v.n DESC"
    )))
    .bind(dataset_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter().map(version).collect()
}

/// Version `n` of resource `resource_id`.
pub async fn version_of(db: &Db, resource_id: &str, n: i64) -> Result<Option<Version>, AppError> {
    let row: Option<VersionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{VERSION} WHERE v.resource_id = $1 AND v.n = $2"
    )))
    .bind(resource_id)
    .bind(n)
    .fetch_optional(&db.pool)
    .await?;
    row.map(version).transpose()
}

/// Counts one download of `resource_id` on `day`.
pub async fn count_download(db: &Db, resource_id: &str, day: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO opendata_downloads (resource_id, day, count) VALUES ($1, $2, 1)
         ON CONFLICT (resource_id, day) DO UPDATE SET count = opendata_downloads.count + 1",
    )
    .bind(resource_id)
    .bind(day)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The id of the user with `email` (the demo's people).
pub async fn user_id_by_email(db: &Db, email: &str) -> Result<Option<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&db.pool)
        .await?)
}

/// A public resource with its published version's figures, for the CKAN API.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicResource {
    pub id: String,
    pub dataset_id: String,
    pub position: i64,
    pub name: String,
    pub format: String,
    pub kind: String,
    pub url: Option<String>,
    pub created_at: String,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub media_type: Option<String>,
    pub version_at: Option<String>,
    /// 1 when the published version's datastore table is ready.
    pub datastore: i64,
}

/// The columns of a [`PublicResource`], from `opendata_resources r` (the caller joins `v`, the
/// published version): one list for every reader, so a new field reaches them all.
const PUBLIC_RESOURCE: &str =
    "SELECT r.id, r.dataset_id, r.position, r.name, r.format, r.kind, r.url, r.created_at,
            v.size_bytes, v.sha256, v.media_type, v.created_at AS version_at,
            CAST(CASE WHEN EXISTS (SELECT 1 FROM opendata_tables t
                 WHERE t.version_id = v.id AND t.state = 'ready') THEN 1 ELSE 0 END AS BIGINT)
              AS datastore
         FROM opendata_resources r";

/// Every public resource of the published datasets (with `dataset_id` = `only`, if given),
/// in dataset and position order.
pub async fn public_resources(
    db: &Db,
    only: Option<&str>,
) -> Result<Vec<PublicResource>, AppError> {
    // Two statements, not `($1 IS NULL OR r.dataset_id = $1)`: neither database walks the
    // dataset's index for that (PostgreSQL's generic plan, SQLite's plan made before the value
    // is known), so each `package_show` read every resource of the catalogue
    // (docs/benchmarks.md, "Open data (issue 17)").
    let from = format!(
        "{PUBLIC_RESOURCE}
         JOIN opendata_datasets d ON d.id = r.dataset_id AND d.state = 'published'
         LEFT JOIN opendata_versions v ON v.resource_id = r.id AND v.n = r.published_version
         WHERE r.published = 1"
    );
    let rows: Vec<PublicResource> = match only {
        Some(id) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{from} AND r.dataset_id = $1 ORDER BY r.position, r.id"
            )))
            .bind(id)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{from} ORDER BY r.dataset_id, r.position, r.id"
            )))
            .fetch_all(&db.pool)
            .await?
        }
    };
    Ok(rows)
}

/// The public resources of one page of the published catalogue (the datasets `published`
/// returns for the same `limit` and `offset`), in one query rather than one per dataset.
pub async fn public_resources_of_page(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<Vec<PublicResource>, AppError> {
    let rows: Vec<PublicResource> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PUBLIC_RESOURCE}
         JOIN (SELECT id FROM opendata_datasets WHERE state = 'published'
               ORDER BY modified_at DESC, id DESC LIMIT $1 OFFSET $2) p ON p.id = r.dataset_id
         LEFT JOIN opendata_versions v ON v.resource_id = r.id AND v.n = r.published_version
         WHERE r.published = 1
         ORDER BY r.dataset_id, r.position, r.id"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows)
}

/// A public resource of a published dataset, by id.
pub async fn public_resource(db: &Db, id: &str) -> Result<Option<PublicResource>, AppError> {
    let row: Option<PublicResource> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PUBLIC_RESOURCE}
         JOIN opendata_datasets d ON d.id = r.dataset_id AND d.state = 'published'
         LEFT JOIN opendata_versions v ON v.resource_id = r.id AND v.n = r.published_version
         WHERE r.published = 1 AND r.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row)
}

/// The published catalogue's generation (`opendata_catalog`).
pub async fn catalogue_generation(db: &Db) -> Result<i64, AppError> {
    let n: i64 = sqlx::query_scalar("SELECT generation FROM opendata_catalog WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    Ok(n)
}

/// Raises the catalogue's generation in the transaction of a change to a dataset.
pub async fn bump_catalogue_generation(tx: &mut Conn) -> Result<(), AppError> {
    sqlx::query("UPDATE opendata_catalog SET generation = generation + 1 WHERE id = 1")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub mod datastore;
