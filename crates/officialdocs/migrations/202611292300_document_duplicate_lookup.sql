-- The duplicate check of an incoming registration (`store::duplicate`: agency, direction, key,
-- earliest first) read through the register-order index on SQLite, whose planner has no
-- statistics and took that index's two equal columns for as good as these: every registration
-- scanned the agency's whole incoming register (2.8 s at 1,000,000 documents, inside the write
-- transaction, so the registrations behind it timed out). With all three columns and the order,
-- this index answers it alone on both databases.
DROP INDEX documents_duplicate;
CREATE INDEX documents_duplicate ON documents(agency_id, direction, duplicate_key, created_at);
