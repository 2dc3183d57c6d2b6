-- The platform's full-text search index (kernel::search, docs/documents-design.md §5): one
-- row per searchable thing of any module, its folded words indexed by FTS5. `seq` is the
-- stable rowid the FTS5 table points at (a rowid that is not an INTEGER PRIMARY KEY may change
-- on VACUUM).
CREATE TABLE search_entries (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    body_folded TEXT NOT NULL,
    -- One opaque word per grant that may find the entry (and one for "public"): matched with
    -- the words, so a search reads only the postings of what the searcher may see.
    scope_tokens TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (kind, entry_id)
);
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

CREATE VIRTUAL TABLE search_fts USING fts5(
    title_folded, body_folded, scope_tokens,
    content='search_entries', content_rowid='seq',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN
    INSERT INTO search_fts (rowid, title_folded, body_folded, scope_tokens)
    VALUES (new.seq, new.title_folded, new.body_folded, new.scope_tokens);
END;
CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_folded, body_folded, scope_tokens)
    VALUES ('delete', old.seq, old.title_folded, old.body_folded, old.scope_tokens);
END;
CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN
    INSERT INTO search_fts (search_fts, rowid, title_folded, body_folded, scope_tokens)
    VALUES ('delete', old.seq, old.title_folded, old.body_folded, old.scope_tokens);
    INSERT INTO search_fts (rowid, title_folded, body_folded, scope_tokens)
    VALUES (new.seq, new.title_folded, new.body_folded, new.scope_tokens);
END;
