-- A dossier's named specialist (issue 12): a leader or the one-stop clerk of the agency
-- holding the dossier assigns it; "my work" lists what is assigned to each official.
ALTER TABLE dossiers ADD COLUMN assignee_id TEXT REFERENCES users(id);
ALTER TABLE dossiers ADD COLUMN assigned_at TEXT;
CREATE INDEX dossiers_assignee ON dossiers (assignee_id, state);
