-- The receiver's decision on a recall across platforms (edXML status 13) and the peer each
-- package was delivered to (docs/signatures-design.md §7). Both databases.

-- The peer a package went to (set just before it is posted): a status or recall answer about
-- it is taken only from that peer. Rows delivered before this column have none and fall back
-- to "the peer that serves the recipient's code".
ALTER TABLE document_recipients ADD COLUMN exchange_peer TEXT;

-- A recall (13) received for an incoming copy registered from the exchange: `pending` until
-- the receiving agency's document clerk accepts it (the copy is withdrawn, 15 goes back) or
-- refuses it with a reason (16 with that reason). One row per copy; a repeated 13 finds it.
CREATE TABLE exchange_recall_requests (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    peer TEXT NOT NULL,
    from_organ_id TEXT NOT NULL,
    exchange_document_id TEXT NOT NULL,
    description TEXT,
    state TEXT NOT NULL,
    reason TEXT,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT
);
CREATE INDEX exchange_recall_requests_pending ON exchange_recall_requests(agency_id, state);

-- "Did this peer deliver that package?", asked of every recall received.
CREATE INDEX exchange_messages_document ON exchange_messages(document_id, peer);
