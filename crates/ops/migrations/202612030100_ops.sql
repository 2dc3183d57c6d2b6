-- The operations centre (issue 18; docs/operations-design.md §3), slice 2: what each item was
-- last counted as, and the counters it adds up to. Both databases.

-- The marks an item (a dossier, a feedback report) was last counted with, scopes resolved
-- (JSON, `tinhso_domain::ops::counters::Mark`): a delivery replaces them and writes only the
-- difference, so a later directory change cannot unbalance what was counted before.
CREATE TABLE ops_items (
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    marks TEXT NOT NULL,
    -- The event whose delivery counted it last (none when a rebuild did).
    event_id TEXT,
    counted_at TEXT NOT NULL,
    PRIMARY KEY (kind, item)
);

-- Counters per (scope, grain, breakdown key, period, source), in the order a window of a scope
-- is read: `p`, `a:<agency id>` or `u:<unit code>`; `d` (day), `m` (calendar month) or `r`
-- (Decree 09 month); `*` or the mark's key; `YYYY-MM-DD` or `YYYY-MM`.
CREATE TABLE ops_counters (
    scope TEXT NOT NULL,
    grain TEXT NOT NULL,
    breakdown TEXT NOT NULL,
    period TEXT NOT NULL,
    source TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (scope, grain, breakdown, period, source)
);

-- The counting's own state: `build` is `queued` until the first full build ran, then the time
-- of the last one.
CREATE TABLE ops_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
