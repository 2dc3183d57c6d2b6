-- The platform's own datasets, live (docs/opendata-design.md §10): one row per dataset a module
-- declares (`Module::datasets`), naming the portal dataset that publishes its copy. An event the
-- dataset refreshes on sets `stale_since`; the sweep `opendata.refresh_live` claims the row by a
-- conditional update (`claimed_until`, so one node at a time), writes a new version of the CSV
-- and JSON resources and their datastore table when the rows changed, and records `checked_at`.
-- Moments are UTC text, compared as text.
CREATE TABLE opendata_live (
    -- The declared dataset's name (`procedures`, `agencies`…).
    name TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL REFERENCES opendata_datasets(id),
    -- The resources holding its copy: the CSV (with the datastore table) and the JSON.
    csv_resource_id TEXT NOT NULL REFERENCES opendata_resources(id),
    json_resource_id TEXT NOT NULL REFERENCES opendata_resources(id),
    -- The last event that may have changed its rows, until a check after it.
    stale_since TEXT,
    -- A node is refreshing it until then.
    claimed_until TEXT,
    -- The last time its rows were read and compared (daily at least).
    checked_at TEXT,
    created_at TEXT NOT NULL
);
