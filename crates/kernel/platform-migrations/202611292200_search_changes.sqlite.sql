-- The change log every node's embedded search index follows (kernel::search::sync,
-- docs/search.md): one row per entry written or removed, in the writer's transaction. SQLite
-- has one writer at a time, so `seq` grows in commit order (AUTOINCREMENT: never reused).
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    xid INTEGER NOT NULL DEFAULT 0,
    -- When it was written: the hourly `search.prune` removes rows older than a week.
    at TEXT NOT NULL
);
CREATE INDEX search_changes_at ON search_changes (at);

-- Which database an index on disk was built from: a node whose index names another epoch,
-- or a position the pruning has passed, builds it afresh.
CREATE TABLE search_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    pruned_through INTEGER NOT NULL DEFAULT 0
);
INSERT INTO search_epoch (id, epoch) VALUES (1, lower(hex(randomblob(16))));
