-- The text of each version of a document, for search and for reading (issue 14 item 5): read
-- from a born-digital PDF or DOCX at upload (`pdf`, `docx`), or from a scan by OCR in the job
-- queue (`ocr`). Status `pending` while the OCR job waits or retries, `done` with the text,
-- `failed` with the reason (an unreadable file, or OCR that failed its last attempt).
CREATE TABLE document_texts (
    document_id TEXT NOT NULL REFERENCES documents(id),
    version_no BIGINT NOT NULL,
    method TEXT NOT NULL,
    status TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    -- 1 when pages or characters beyond the limits were left out.
    truncated BIGINT NOT NULL DEFAULT 0,
    failure_reason TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    extracted_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (document_id, version_no)
);
