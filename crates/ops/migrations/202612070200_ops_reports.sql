-- Periodic reports (issue 18 item 3, docs/operations-design.md §6): schedules (a scope, a kind
-- of report, who receives it) and the reports they made, one per schedule and window (the
-- unique key makes it once across nodes). The files are in the object store under the keys
-- kept here. Both databases.
CREATE TABLE ops_report_schedules (
    id TEXT PRIMARY KEY,
    -- `p`, `a:<agency id>` or `u:<unit code>`.
    scope TEXT NOT NULL,
    -- `month`, `quarter`, `6m`, `9m` or `12m`.
    kind TEXT NOT NULL,
    -- Email addresses, one a line.
    recipients TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    ended_by TEXT REFERENCES users(id),
    ended_at TEXT
);
CREATE INDEX ops_report_schedules_scope ON ops_report_schedules (scope);

CREATE TABLE ops_report_runs (
    id TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL REFERENCES ops_report_schedules(id),
    -- The report's period (`2027-Q2`, `2027-M03`, `2027-6M`, `2027-9M`, `2027-12M`).
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    title TEXT NOT NULL,
    made_at TEXT NOT NULL,
    docx_key TEXT NOT NULL,
    pdf_key TEXT NOT NULL,
    xlsx_key TEXT NOT NULL,
    UNIQUE (schedule_id, period)
);
