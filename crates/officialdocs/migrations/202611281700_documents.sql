-- Official documents (văn bản đi, văn bản đến) under Decree 30/2020: the module `documents`
-- (docs/documents-design.md §2). Both databases.

-- The abbreviation an agency uses in notations: an issuing agency's own (`UBND`, `STP`) and
-- its units' (the child agencies of the directory, `VX`, `HCTP`), the second half of a công
-- văn's notation. Everything else about a unit is the directory's.
CREATE TABLE doc_units (
    agency_id TEXT PRIMARY KEY REFERENCES agencies(id),
    abbreviation TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Registers (sổ văn bản): one counter per agency, direction (out, in), sequence (`general`,
-- `legal:decision`, `arrival`) and calendar year. `next_number` is the number the next
-- document gets; it is taken by one upsert in the issuing transaction, so two nodes never give
-- the same number and a rolled-back issue leaves no gap.
CREATE TABLE doc_registers (
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    direction TEXT NOT NULL,
    sequence TEXT NOT NULL,
    year BIGINT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (agency_id, direction, sequence, year)
);

-- One row per document as one agency holds it: its outgoing documents (direction `out`, the
-- issuer) and the documents it received (direction `in`, the recipient).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    direction TEXT NOT NULL,
    state TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    urgency TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_folded TEXT NOT NULL,
    -- Outgoing: the unit that drafts it (a child agency of the issuer), the drafter, the signer.
    drafting_unit_id TEXT REFERENCES agencies(id),
    drafter_id TEXT REFERENCES users(id),
    signer_position TEXT NOT NULL DEFAULT '',
    signer_full_name TEXT NOT NULL DEFAULT '',
    authority_prefix TEXT,
    page_amount BIGINT NOT NULL DEFAULT 1,
    issued_amount BIGINT NOT NULL DEFAULT 1,
    description TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    -- The document's own number and notation (`01`, `QĐ-STP`) and date, once it has them.
    code_number TEXT,
    code_notation TEXT,
    issued_date TEXT,
    -- The issuing agency (OrganId, OrganName): this agency for outgoing rows, the sender for
    -- incoming ones (its identifier code when on the platform, else as printed).
    organ_id TEXT NOT NULL DEFAULT '',
    organ_name TEXT NOT NULL,
    -- The number this agency's register gave: the issue number (outgoing) or the arrival
    -- number (incoming), with its sequence and year.
    reg_sequence TEXT,
    reg_year BIGINT,
    reg_number BIGINT,
    -- Incoming: arrival date, source (platform, paper, email, scan), the outgoing document a
    -- platform arrival came from, the key that warns of a second registration.
    arrival_date TEXT,
    source TEXT,
    origin_id TEXT REFERENCES documents(id),
    duplicate_key TEXT,
    created_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX documents_register_number ON documents(agency_id, reg_sequence, reg_year, reg_number);
CREATE INDEX documents_agency ON documents(agency_id, direction, state);
CREATE INDEX documents_duplicate ON documents(agency_id, duplicate_key);
CREATE INDEX documents_origin ON documents(origin_id);

-- The files of a document: drafts' versions and the issued or registered file.
CREATE TABLE document_versions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    version BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    uploaded_by TEXT REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (document_id, version)
);

-- Where an outgoing document goes: an agency of the platform (delivered as an incoming row in
-- the issuing transaction) or a recipient outside it (listed for the exchange, issue 15).
CREATE TABLE document_recipients (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    position BIGINT NOT NULL,
    agency_id TEXT REFERENCES agencies(id),
    name TEXT NOT NULL,
    incoming_id TEXT REFERENCES documents(id),
    delivered_at TEXT
);
CREATE INDEX document_recipients_document ON document_recipients(document_id, position);
