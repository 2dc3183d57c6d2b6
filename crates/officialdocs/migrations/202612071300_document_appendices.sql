-- Appendices in separate files (phụ lục, văn bản kèm theo; Decree 30/2020 Appendix I,
-- docs/signatures-design.md §3 "Appendices"): PDF files attached to a document beside its
-- versions, in order. The drafter adds and removes them while the document is a draft; at an
-- issue with the agency's digital seal each one is signed by the agency (PAdES, a text stamp
-- top right of page 1 with the number, notation and signing time) and the signed file is kept
-- beside the uploaded one (`signed_*`); the recipients' copies point to the file delivered.
-- A copy received through the edXML exchange keeps its arrival signature check (JSON, as
-- `document_arrival_checks`). Both databases.
CREATE TABLE document_appendices (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    position BIGINT NOT NULL,
    title TEXT,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    signed_file_name TEXT,
    signed_size_bytes BIGINT,
    signed_sha256 TEXT,
    signed_storage_key TEXT,
    signed_at TEXT,
    certificate_serial TEXT,
    arrival_indication TEXT,
    arrival_result TEXT,
    UNIQUE (document_id, position)
);
