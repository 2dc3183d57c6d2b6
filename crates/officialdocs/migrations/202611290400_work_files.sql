-- Work files (hồ sơ công việc) under Decree 30/2020, Art. 28–31 (docs/documents-design.md §2).
-- Both databases.

-- The yearly file list (danh mục hồ sơ) of an agency: drafted by its clerk, approved by a
-- leader. An approved list is frozen; an amendment (`amending`) opens it again until the next
-- approval. `amendments` counts the approvals after the first.
CREATE TABLE work_file_lists (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    year BIGINT NOT NULL,
    numbering TEXT NOT NULL,
    state TEXT NOT NULL,
    amendments BIGINT NOT NULL DEFAULT 0,
    approved_by TEXT REFERENCES users(id),
    approved_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (agency_id, year)
);

-- The major headings (đề mục lớn) of a list, numbered I, II, … by position; the abbreviation is
-- the second half of a file's notation (`01.TCCB`).
CREATE TABLE work_file_headings (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES work_file_lists(id),
    position BIGINT NOT NULL,
    abbreviation TEXT NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (list_id, abbreviation)
);

-- The files of a list: planned in the list, then opened, closed (retention and end date fixed,
-- deposit deadline computed) and later deposited. `code` is the Appendix VI FileCode, unique.
CREATE TABLE work_files (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL REFERENCES work_file_lists(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    heading_id TEXT NOT NULL REFERENCES work_file_headings(id),
    number BIGINT NOT NULL,
    notation TEXT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    retention TEXT NOT NULL,
    creator_id TEXT REFERENCES users(id),
    description TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    start_date TEXT,
    end_date TEXT,
    deposit_due TEXT,
    deposit_noticed_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (list_id, notation)
);
CREATE INDEX work_files_deposit ON work_files(state, deposit_due);

-- A document placed in a file, by reference: the document row is never copied, and one
-- document may be in several files. `ordinal` is its DocOrdinal in the file.
CREATE TABLE work_file_documents (
    file_id TEXT NOT NULL REFERENCES work_files(id),
    document_id TEXT NOT NULL REFERENCES documents(id),
    ordinal BIGINT NOT NULL,
    added_by TEXT REFERENCES users(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (file_id, document_id)
);
CREATE INDEX work_file_documents_document ON work_file_documents(document_id);
