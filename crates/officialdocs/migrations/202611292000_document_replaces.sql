-- A document issued to replace another (thay thế, Decree 30 Art. 18): the draft names the
-- issued document it replaces, and issuing it marks that one replaced in the same transaction.
ALTER TABLE documents ADD COLUMN replaces_id TEXT REFERENCES documents(id);
CREATE INDEX documents_replaces ON documents (replaces_id);
