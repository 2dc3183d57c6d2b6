-- The home search finds public feedback by its words: the title, description and address of a
-- report, folded (lower case, no diacritics), kept beside it so the database matches them
-- instead of the server reading every recent report. Filled at filing; older reports are
-- folded once at start-up (feedback::store::fold_search_texts).
ALTER TABLE feedback_reports ADD COLUMN search_folded TEXT;
