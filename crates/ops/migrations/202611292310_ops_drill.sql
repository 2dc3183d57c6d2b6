-- The operations centre's drill-down lists (docs/operations-design.md §5): dossiers finished in
-- a window, per agency, as `dossier.finished*` count them. The open ones are listed through
-- `dossiers_queue` (agency_id, state, due_local), feedback through `feedback_reports_agency`.
-- Both databases.
CREATE INDEX dossiers_finished ON dossiers(agency_id, finished_at);
