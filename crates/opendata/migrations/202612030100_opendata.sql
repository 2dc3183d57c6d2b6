-- Open data portal (dữ liệu mở, issue 17; docs/opendata-design.md §3), slice 2: datasets,
-- their resources (an uploaded file, or a link) and each upload kept as a version with its
-- check's report, and downloads counted per resource and day. Both databases. Moments are UTC
-- text as elsewhere; days (`review_due_on`, `day`) are Vietnam local `YYYY-MM-DD`.

CREATE TABLE opendata_datasets (
    id TEXT PRIMARY KEY,
    -- The slug in the dataset's public address; fixed once published.
    name TEXT NOT NULL UNIQUE,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    -- `draft`, `published` or `unpublished` (tinhso_domain::opendata::state::DatasetState).
    state TEXT NOT NULL,
    -- The open revision: `editing` or `submitted`; empty when every edit is approved.
    revision_state TEXT,
    -- The metadata being edited (JSON: title, notes, field, tags, licence, frequency,
    -- temporal and spatial coverage, contact).
    metadata TEXT NOT NULL,
    -- The metadata the public sees: the last approved (JSON), empty before the first approval.
    published_metadata TEXT,
    issued_at TEXT,
    modified_at TEXT,
    review_due_on TEXT,
    return_reason TEXT,
    unpublish_reason TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX opendata_datasets_agency ON opendata_datasets(agency_id, state);
CREATE INDEX opendata_datasets_public ON opendata_datasets(state, modified_at);

CREATE TABLE opendata_resources (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES opendata_datasets(id),
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    -- EU file-type code: `CSV`, `XLSX`, `JSON`, `GEOJSON`, `PDF`.
    format TEXT NOT NULL,
    -- `upload` or `link` (a link is never fetched).
    kind TEXT NOT NULL,
    url TEXT,
    -- The newest version, and the one the public downloads (set by approval).
    current_version BIGINT,
    published_version BIGINT,
    -- 1 once an approval made the resource public.
    published BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX opendata_resources_dataset ON opendata_resources(dataset_id, position);

-- Every upload of a resource, kept: the object in the store, what it is, and the check's report.
CREATE TABLE opendata_versions (
    id TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL REFERENCES opendata_resources(id),
    n BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    encoding TEXT,
    -- The check's report (tinhso_tabular::Report as JSON).
    report TEXT NOT NULL,
    row_count BIGINT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX opendata_versions_n ON opendata_versions(resource_id, n);

CREATE TABLE opendata_downloads (
    resource_id TEXT NOT NULL REFERENCES opendata_resources(id),
    day TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (resource_id, day)
);
