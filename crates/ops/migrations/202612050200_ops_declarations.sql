-- Declared values (tự khai, docs/operations-design.md §2): what the platform cannot measure
-- itself, entered by a leader of the scope for an indicator of an index version and a window,
-- with an issued document as its evidence. One live value per (version, indicator, scope,
-- window); a new one replaces it, and a withdrawn or replaced value is kept for the record.
CREATE TABLE ops_declarations (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    indicator TEXT NOT NULL,
    -- `p`, `a:<agency id>` or `u:<unit code>`.
    scope TEXT NOT NULL,
    -- The period as typed (`2026-Y`), its basis, and its window (`YYYY-MM-DD`, both included).
    period TEXT NOT NULL,
    basis TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    -- In the indicator's unit: a share from 0 to 1 for the seeded indicators.
    value DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL,
    -- The issued document the value rests on (the documents module's `issued_document`).
    evidence_document TEXT NOT NULL,
    evidence_label TEXT NOT NULL,
    -- `declared`, `replaced` or `withdrawn`.
    state TEXT NOT NULL,
    declared_by TEXT NOT NULL REFERENCES users(id),
    declared_at TEXT NOT NULL,
    ended_by TEXT,
    ended_at TEXT,
    end_reason TEXT
);
CREATE UNIQUE INDEX ops_declarations_live
    ON ops_declarations(version, indicator, scope, window_from, window_to)
    WHERE state = 'declared';
CREATE INDEX ops_declarations_scope ON ops_declarations(scope, version, state);
