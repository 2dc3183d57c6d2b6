-- The edXML exchange with other platforms (docs/signatures-design.md §7, slice 10). Both
-- databases.

-- An outside recipient the exchange delivers to: its agency code (a peer's), the package's
-- DocumentId we sent, the delivery (`queued`, `sent`, `failed`) with its detail, and the last
-- edXML status the recipient sent back (`01` arrived, `03` registered, …).
ALTER TABLE document_recipients ADD COLUMN organ_id TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_document_id TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_state TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_detail TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_status TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_at TEXT;
CREATE INDEX document_recipients_exchange ON document_recipients(exchange_document_id, organ_id);

-- Request nonces seen per peer in the last 10 minutes (a replay is refused); older rows are
-- pruned as new ones come.
CREATE TABLE exchange_nonces (
    peer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (peer, nonce)
);
CREATE INDEX exchange_nonces_seen ON exchange_nonces(seen_at);

-- Every message received and accepted, by its dedupe key (a package: sender, DocumentId,
-- business type and SHA-256 of the bytes; a status: sender, DocumentId, code, timestamp), with
-- the answer given, so a second delivery gets the first answer and registers nothing.
CREATE TABLE exchange_messages (
    dedupe_key TEXT PRIMARY KEY,
    peer TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_organ_id TEXT NOT NULL,
    document_id TEXT NOT NULL,
    answer TEXT NOT NULL,
    received_at TEXT NOT NULL
);
