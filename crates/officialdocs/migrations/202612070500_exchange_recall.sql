-- The rest of the edXML exchange (docs/signatures-design.md §7, slice 10): the receiver's
-- description with its last status (why it returned the document), the recall of a document
-- sent through the exchange, and the start of the current delivery attempt (the 72-hour
-- "gửi thất bại" window). Both databases.

-- The description the recipient gave with its last status (a refusal's reason).
ALTER TABLE document_recipients ADD COLUMN exchange_status_detail TEXT;
-- The recall of what was sent: `requested` (13 sent), `accepted` (15) or `refused` (16), with
-- the recipient's reason.
ALTER TABLE document_recipients ADD COLUMN exchange_recall TEXT;
ALTER TABLE document_recipients ADD COLUMN exchange_recall_detail TEXT;
-- When the current delivery was first queued (at issue, or at a "gửi lại"): a package not
-- accepted within `exchange.fail_after_hours` of it is marked failed.
ALTER TABLE document_recipients ADD COLUMN exchange_queued_at TEXT;
CREATE INDEX document_recipients_exchange_state ON document_recipients(exchange_state, exchange_queued_at);
