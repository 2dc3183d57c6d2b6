-- Citizen feedback (phản ánh, kiến nghị): categories and routing rules managed by
-- administrators, reports with their photos, timeline and followers.

CREATE TABLE feedback_categories (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    deadline_days BIGINT NOT NULL,
    position BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1
);

-- The responsible agency for a category, in one administrative unit or (NULL) anywhere.
CREATE TABLE feedback_routes (
    id TEXT PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES feedback_categories(code),
    admin_unit_code TEXT,
    agency_id TEXT NOT NULL REFERENCES agencies(id)
);
CREATE UNIQUE INDEX feedback_routes_rule ON feedback_routes(category_code, admin_unit_code);

CREATE TABLE feedback_reports (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    category_code TEXT NOT NULL REFERENCES feedback_categories(code),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    admin_unit_code TEXT,
    lat DOUBLE PRECISION,
    lon DOUBLE PRECISION,
    reporter_id TEXT REFERENCES users(id),
    reporter_name TEXT NOT NULL DEFAULT '',
    reporter_email TEXT NOT NULL DEFAULT '',
    reporter_phone TEXT NOT NULL DEFAULT '',
    hide_name BIGINT NOT NULL DEFAULT 0,
    source TEXT NOT NULL,
    agency_id TEXT REFERENCES agencies(id),
    status TEXT NOT NULL,
    received_local TEXT NOT NULL,
    due_local TEXT,
    answer TEXT,
    answered_at TEXT,
    -- Vietnam local time of the (last) answer, compared with due_local for "on time".
    answered_local TEXT,
    answered_by TEXT,
    reject_reason TEXT,
    reopened BIGINT NOT NULL DEFAULT 0,
    rating BIGINT,
    rating_comment TEXT,
    duplicate_of TEXT,
    hidden_reason TEXT,
    idempotency_key TEXT,
    -- When the agency was reminded of the coming deadline, and its leader told it passed.
    reminded_at TEXT,
    escalated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX feedback_reports_public ON feedback_reports(status, created_at);
CREATE INDEX feedback_reports_created ON feedback_reports(created_at);
CREATE INDEX feedback_reports_agency ON feedback_reports(agency_id, status, due_local);
CREATE INDEX feedback_reports_category ON feedback_reports(category_code, created_at);
CREATE UNIQUE INDEX feedback_reports_idempotency ON feedback_reports(reporter_email, idempotency_key);

CREATE TABLE feedback_photos (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES feedback_reports(id),
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    hidden BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX feedback_photos_report ON feedback_photos(report_id);

CREATE TABLE feedback_events (
    id TEXT PRIMARY KEY,
    report_id TEXT NOT NULL REFERENCES feedback_reports(id),
    at TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feedback_events_report ON feedback_events(report_id, at);

-- Who is told of every change: the reporter and whoever chose to follow instead of filing a
-- duplicate.
CREATE TABLE feedback_followers (
    report_id TEXT NOT NULL REFERENCES feedback_reports(id),
    email TEXT NOT NULL,
    PRIMARY KEY (report_id, email)
);
