-- The processing of incoming documents (Decree 30/2020, Art. 23–24): the units a leader's
-- direction (bút phê) names, their notes, and comments on the versions of drafts. Both databases.

-- One row per unit named in a direction: the lead unit (chủ trì) or a supporting one (phối hợp)
-- of an incoming document, its deadline and how it ended. `due_local` and `closed_local` are
-- Vietnam local time (`LocalDateTime` text, as dossier deadlines), so text order is time order.
CREATE TABLE document_assignments (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    -- The agency holding the document (the units' parent).
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    unit_id TEXT NOT NULL REFERENCES agencies(id),
    role TEXT NOT NULL,
    instructions TEXT NOT NULL,
    directed_by TEXT NOT NULL REFERENCES users(id),
    directed_at TEXT NOT NULL,
    -- The working days the leader gave, when the deadline was given so.
    deadline_days BIGINT,
    due_local TEXT NOT NULL,
    -- The unit's specialist it was passed down to.
    handler_id TEXT REFERENCES users(id),
    state TEXT NOT NULL,
    closed_at TEXT,
    closed_local TEXT,
    closed_by TEXT REFERENCES users(id),
    close_reason TEXT,
    result TEXT,
    -- `on_time` or `late`, for a unit that completed it.
    timeliness TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX document_assignments_document ON document_assignments(document_id, role);
CREATE INDEX document_assignments_open ON document_assignments(agency_id, state, due_local);
CREATE INDEX document_assignments_unit ON document_assignments(unit_id, closed_local);

-- What happened to an assignment, in order: passed down, progress reported, closed.
CREATE TABLE document_assignment_notes (
    id TEXT PRIMARY KEY,
    assignment_id TEXT NOT NULL REFERENCES document_assignments(id),
    kind TEXT NOT NULL,
    author_id TEXT REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX document_assignment_notes_assignment ON document_assignment_notes(assignment_id, created_at);

-- Comments on a draft's version during review: who, when, which version.
CREATE TABLE document_comments (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX document_comments_document ON document_comments(document_id, created_at);

-- The processing status the sender sees of a platform recipient's copy: the copy's incoming
-- state, written in the transaction that changes it (empty until the recipient acts:
-- `registered`).
ALTER TABLE document_recipients ADD COLUMN processing_state TEXT;
ALTER TABLE document_recipients ADD COLUMN processing_at TEXT;
