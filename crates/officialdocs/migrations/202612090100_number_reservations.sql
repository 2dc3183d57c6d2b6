-- Numbers reserved for an issue that waits for the agency's seal from a key the server does
-- not hold (a USB token on the document clerk's desk, a remote-signing provider;
-- docs/signatures-design.md §4): the number and notation are taken from the register when the
-- clerk presses "Ban hành" (so the sealed file can carry them), and the issue completes when
-- the signature comes. A number is never given to another document (Decree 30/2020 Art. 15):
-- one whose signing ends without a signature stays here as `unused`, with the reason, in the
-- register's log. `pending` at most once per document. Both databases.
CREATE TABLE doc_number_reservations (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    sequence TEXT NOT NULL,
    year BIGINT NOT NULL,
    number BIGINT NOT NULL,
    code_number TEXT NOT NULL,
    code_notation TEXT NOT NULL,
    issued_date TEXT NOT NULL,
    -- The latest version the seal goes on, as checked when the number was reserved.
    version BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    -- pending | used | unused
    state TEXT NOT NULL,
    reason TEXT,
    session_id TEXT,
    reserved_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    ended_at TEXT,
    UNIQUE (agency_id, sequence, year, number)
);
CREATE UNIQUE INDEX doc_number_reservations_pending
    ON doc_number_reservations (document_id) WHERE state = 'pending';
CREATE INDEX doc_number_reservations_register
    ON doc_number_reservations (agency_id, year, state);
