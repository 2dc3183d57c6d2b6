-- The platform's full-text search index (kernel::search, docs/documents-design.md §5): one
-- row per searchable thing of any module, its folded words in a `tsvector` (the `simple`
-- configuration: the words are folded by the application, no stemming), title weighted A.
CREATE TABLE search_entries (
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    body_folded TEXT NOT NULL,
    -- One opaque word per grant that may find the entry (and one for "public"), weight D
    -- (ranked 0): matched with the words, so the GIN index intersects them.
    scope_tokens TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title_folded), 'A') ||
        setweight(to_tsvector('simple', body_folded), 'B') ||
        setweight(to_tsvector('simple', scope_tokens), 'D')
    ) STORED,
    PRIMARY KEY (kind, entry_id)
);
CREATE INDEX search_entries_tsv ON search_entries USING GIN (tsv);
CREATE INDEX search_entries_recent ON search_entries (kind, updated_at);

-- Who may find an entry besides everyone (when public): grants such as `agency:<id>` or
-- `user:<id>`, matched against the searcher's grants in SQL, so totals and facets count only
-- what the searcher may see.
CREATE TABLE search_readers (
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    reader TEXT NOT NULL,
    PRIMARY KEY (kind, entry_id, reader)
);
CREATE INDEX search_readers_reader ON search_readers (reader, kind);

-- Facet values of an entry (type, year, state…), counted per query.
CREATE TABLE search_facets (
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    facet TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, entry_id, facet, value)
);
CREATE INDEX search_facets_value ON search_facets (kind, facet, value);
