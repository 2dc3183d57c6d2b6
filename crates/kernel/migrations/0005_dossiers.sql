-- One-stop dossiers (hồ sơ một cửa): what a citizen submits, where it stands, its deadline,
-- its papers and its timeline.

CREATE TABLE dossiers (
    id TEXT PRIMARY KEY,
    -- National dossier code, given at submission; NULL while a draft.
    code TEXT UNIQUE,
    procedure_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    -- The receiving agency (the code's prefix) and the agency holding it now.
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    applicant_id TEXT REFERENCES users(id),
    applicant_name TEXT NOT NULL,
    applicant_email TEXT NOT NULL DEFAULT '',
    applicant_phone TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    step BIGINT NOT NULL DEFAULT 0,
    -- The procedure's steps as they were when the dossier was submitted (JSON).
    steps TEXT NOT NULL,
    processing_half_days BIGINT NOT NULL,
    cutoff TEXT,
    answers TEXT NOT NULL,
    idempotency_key TEXT,
    -- Vietnam local times (YYYY-MM-DDTHH:MM:SS) for the calendar; UTC RFC 3339 elsewhere.
    clock_start TEXT,
    due_local TEXT,
    submitted_at TEXT,
    accepted_at TEXT,
    finished_at TEXT,
    finished_local TEXT,
    supplement_requests BIGINT NOT NULL DEFAULT 0,
    outcome TEXT,
    apologised BIGINT NOT NULL DEFAULT 0,
    fee_due BIGINT NOT NULL DEFAULT 0,
    fee_paid BIGINT NOT NULL DEFAULT 0,
    group_id TEXT,
    rating BIGINT,
    rating_comment TEXT,
    rated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX dossiers_idempotency ON dossiers(applicant_id, idempotency_key);
CREATE INDEX dossiers_applicant ON dossiers(applicant_id, created_at);
CREATE INDEX dossiers_queue ON dossiers(agency_id, state, due_local);
CREATE INDEX dossiers_submitted ON dossiers(submitted_at);
CREATE INDEX dossiers_group ON dossiers(group_id);
-- Covering index of the statistics scan: every column it reads, grouped columns first.
CREATE INDEX dossiers_stats ON dossiers(agency_id, procedure_code, state, channel, submitted_at,
    finished_at, outcome, due_local, rating, rated_at);

-- Papers, supplements and results, stored in the object store under `storage_key`.
CREATE TABLE dossier_files (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    purpose TEXT NOT NULL,
    field_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_files_dossier ON dossier_files(dossier_id);

-- The timeline: every action on a dossier, in order.
CREATE TABLE dossier_events (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    at TEXT NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    step BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- Extra data of the action (papers asked for, new appointment, target agency), JSON.
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id, at);

-- Clock stops (supplement waits), in Vietnam local time; `ended_local` NULL while waiting.
CREATE TABLE dossier_pauses (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    started_local TEXT NOT NULL,
    ended_local TEXT
);
CREATE INDEX dossier_pauses_dossier ON dossier_pauses(dossier_id);

-- Each year's official notice on holidays (swaps, extra days), entered by administrators.
CREATE TABLE calendar_notices (
    year BIGINT PRIMARY KEY,
    notice TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
