-- A reporter's name is public only when a signed-in reporter asks for it (issue 12): the flag
-- turns from "hide my name" (opt-out, which showed names nobody had agreed to show) into
-- "show my name" (opt-in). No report filed before this change was filed with that choice, so
-- every one of them starts hidden.
ALTER TABLE feedback_reports RENAME COLUMN hide_name TO show_name;
UPDATE feedback_reports SET show_name = 0;
-- The timeline named the reporter (filing, rating, reopening are the reporter's own acts):
-- keep only what the public may know.
UPDATE feedback_events SET actor_name = 'Người phản ánh (không công khai tên)'
WHERE action IN ('submit', 'rate', 'reopen');
