-- Every read of a document through the platform: who and when (Decree 30/2020, Appendix VI asks
-- that access to documents be logged). Kept with the document; read by its agency's clerks and
-- leaders.
CREATE TABLE document_reads (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    client_ip TEXT NOT NULL,
    read_at TEXT NOT NULL
);
CREATE INDEX document_reads_by_document ON document_reads(document_id, read_at);
