-- Task tracking, parts' notices (issue 16; docs/tasks-design.md): the reminders (`remind`, N
-- working days before) and escalations (`escalate`, once overdue) the deadline sweep sent for
-- a split part's deadline `day`, each once across nodes as `task_reminders` does for units; and
-- which part a timeline entry reports on, so that a part's holder reads only their own. Both
-- databases.
CREATE TABLE task_part_reminders (
    part_id TEXT NOT NULL REFERENCES task_parts(id),
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (part_id, kind, day)
);

-- The part a progress entry was reported on (empty for a unit's own entries).
ALTER TABLE task_reports ADD COLUMN part_id TEXT REFERENCES task_parts(id);
