-- The procedure catalog (thủ tục hành chính), edited live by administrators.

CREATE TABLE procedure_fields (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE procedures (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    field_code TEXT NOT NULL REFERENCES procedure_fields(code),
    level TEXT NOT NULL,
    processing_half_days BIGINT NOT NULL,
    online_level TEXT NOT NULL,
    -- JSON documents: the definition as data.
    fees TEXT NOT NULL,
    papers TEXT NOT NULL,
    result TEXT NOT NULL,
    form TEXT NOT NULL,
    steps TEXT NOT NULL,
    cutoff TEXT,
    active BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX procedures_field ON procedures(field_code);

CREATE TABLE procedure_agencies (
    procedure_id TEXT NOT NULL REFERENCES procedures(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    PRIMARY KEY (procedure_id, agency_id)
);
CREATE INDEX procedure_agencies_agency ON procedure_agencies(agency_id);
