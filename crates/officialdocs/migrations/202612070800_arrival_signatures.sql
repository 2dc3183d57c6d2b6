-- The signatures of a package's PDF files as checked when it arrived through the edXML exchange
-- (docs/signatures-design.md §7, "Signatures on arrival"): one row per stored file of the
-- incoming document, the result as the receiving clerk and the API read it (JSON: the file's
-- indication and each signature's signer, agency signature, integrity, trust and warnings).
-- Kept as checked then: a later change of trust anchors does not rewrite what was seen on
-- arrival (the version's signatures page checks again, now). Both databases.
CREATE TABLE document_arrival_checks (
    version_id TEXT PRIMARY KEY REFERENCES document_versions(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    indication TEXT NOT NULL,
    result TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX document_arrival_checks_document ON document_arrival_checks(document_id);
