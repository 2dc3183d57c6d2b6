-- A person's saved document searches (docs/documents-design.md §2): a name and the query
-- string of the search (`q=…&type=…`), replayed as it was saved. Only their owner sees them.
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_searches_by_owner ON saved_searches(owner_id, created_at);
