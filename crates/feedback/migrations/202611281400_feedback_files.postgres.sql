-- The files of a report: the citizen's photos and the files of its answers (PDF, DOCX, images).
-- The table was named for the photos alone; it is named for what it holds, its rows (their ids
-- are in the files' addresses) and stored keys unchanged. Its index and constraints follow.
ALTER TABLE feedback_photos RENAME TO feedback_files;
ALTER INDEX feedback_photos_report RENAME TO feedback_files_report;
ALTER TABLE feedback_files RENAME CONSTRAINT feedback_photos_pkey TO feedback_files_pkey;
ALTER TABLE feedback_files RENAME CONSTRAINT feedback_photos_report_id_fkey TO feedback_files_report_id_fkey;
