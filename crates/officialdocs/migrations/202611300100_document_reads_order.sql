-- A document page lists its latest reads, newest first with the id as tie-breaker: with the id
-- in the index both databases read just those rows, where before they sorted every read of the
-- document (a page read often became slower with each read).
DROP INDEX document_reads_by_document;
CREATE INDEX document_reads_by_document ON document_reads(document_id, read_at, id);
