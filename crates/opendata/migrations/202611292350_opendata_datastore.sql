-- The datastore (docs/opendata-design.md §3.2, §7): each loaded version of a tabular resource
-- (CSV, XLSX) is a typed table of its own, `od_<version id>` with columns `c1…cN`, made and
-- filled at run time (both databases) and never changed once `ready`. This registry says which
-- table holds which version, its columns and how many rows it has. No foreign keys: the row
-- outlives nothing and names tables, not rows (and this file runs before the module's first on
-- a new database: its version is the branch's, fixed before the merge).
CREATE TABLE opendata_tables (
    -- The version (opendata_versions.id) whose file the table holds.
    version_id TEXT PRIMARY KEY,
    -- `od_` and the version id without hyphens: our identifier, never the file's.
    table_name TEXT NOT NULL UNIQUE,
    -- JSON: [{"id": header, "type": "int|numeric|text|date|timestamp", "column": "c1",
    -- "indexed": bool}], in the file's order.
    columns TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    -- `loading`, `ready` (read by datastore_search) or `failed`.
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    loaded_at TEXT
);
