-- The published statistics count a period by index ranges of its own days
-- (`store::stats::span_counts`, docs/opendata-design.md §10): received by `submitted_at`
-- (`dossiers_submitted`), processed by `finished_at` and rated by `rated_at` (these two), so a
-- month costs its own dossiers rather than a scan of every dossier ever submitted.
CREATE INDEX dossiers_finished_at ON dossiers(finished_at);
CREATE INDEX dossiers_rated_at ON dossiers(rated_at) WHERE rated_at IS NOT NULL;
