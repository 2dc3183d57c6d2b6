-- The change log every node's embedded search index follows (kernel::search::sync,
-- docs/search.md): one row per entry written or removed, in the writer's transaction. `xid` is
-- the writing transaction: a node reads the rows of transactions from the oldest one still
-- running at its last read, so a transaction that commits late is never skipped.
CREATE TABLE search_changes (
    seq BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    -- When it was written: the hourly `search.prune` removes rows older than a week.
    at TEXT NOT NULL
);
CREATE INDEX search_changes_at ON search_changes (at);
-- Rounds read the log in this order, from a transaction on.
CREATE INDEX search_changes_xid ON search_changes (xid, seq);

-- Which database an index on disk was built from: a node whose index names another epoch,
-- or a position the pruning has passed, builds it afresh.
CREATE TABLE search_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    pruned_through BIGINT NOT NULL DEFAULT 0
);
INSERT INTO search_epoch (id, epoch) VALUES (1, gen_random_uuid()::text);
