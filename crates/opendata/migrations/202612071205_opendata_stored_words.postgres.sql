-- The datastore's full text on PostgreSQL reads a stored tsvector, `_tsv`, generated from
-- `_full` with its GIN index: an index over the expression `to_tsvector('simple', _full)` made
-- every count recompute it for each matching row (0.9 s for 62,000 matches of 1,000,000,
-- docs/benchmarks.md, "Open data"). Tables loaded before get the column and the index here;
-- new tables are created with them (crates/opendata/src/store/datastore.rs).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOR t IN SELECT table_name FROM opendata_tables WHERE table_name ~ '^od_[0-9a-z_]+$' LOOP
        IF to_regclass(t) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS _tsv tsvector
                GENERATED ALWAYS AS (to_tsvector(''simple'', _full)) STORED', t);
            EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I USING GIN (_tsv)', t || '_tsv', t);
            EXECUTE format('DROP INDEX IF EXISTS %I', t || '_fts');
        END IF;
    END LOOP;
END
$$;
