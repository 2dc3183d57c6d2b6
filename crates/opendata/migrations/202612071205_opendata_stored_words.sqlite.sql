-- PostgreSQL's datastore tables get a stored tsvector (the twin file); SQLite's full text is
-- already its own FTS5 table per datastore table. Nothing to change here.
SELECT 1;
