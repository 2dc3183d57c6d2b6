-- The files of a report: the citizen's photos and the files of its answers (PDF, DOCX, images).
-- The table was named for the photos alone; it is named for what it holds, its rows (their ids
-- are in the files' addresses) and stored keys unchanged.
ALTER TABLE feedback_photos RENAME TO feedback_files;
DROP INDEX feedback_photos_report;
CREATE INDEX feedback_files_report ON feedback_files(report_id);
