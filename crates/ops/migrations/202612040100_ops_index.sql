-- The operations centre (issue 18; docs/operations-design.md §2), slice 3: the index's versions
-- as data. Both databases.

-- An index version, imported from TOML and validated whole: its definition as JSON
-- (`tinhso_domain::ops::index::Definition`) and the TOML it came from. `draft` until activated;
-- an active version is never edited (a new decision is a new version); `retired` ends its use.
CREATE TABLE ops_index_versions (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    provisional BIGINT NOT NULL,
    definition TEXT NOT NULL,
    source_toml TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    activated_by TEXT,
    activated_at TEXT
);
