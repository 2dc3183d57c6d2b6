-- Task tracking, slice 3 (docs/tasks-design.md §3, §9): extensions asked by a unit and decided
-- by the assigning office, the reminders and escalations the deadline sweep sent (each once,
-- whichever node sweeps), and the daily digests mailed. Both databases.

-- A unit's request for more time and the office's answer. `asked_on`, `old_due`, `new_due`,
-- `granted_due` and `decided_on` are Vietnam local days (`YYYY-MM-DD`).
CREATE TABLE task_extensions (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    unit_id TEXT NOT NULL REFERENCES task_units(id),
    asked_on TEXT NOT NULL,
    -- The deadline in force when it was asked, and the one asked for.
    old_due TEXT NOT NULL,
    new_due TEXT NOT NULL,
    reason TEXT NOT NULL,
    asked_by TEXT NOT NULL REFERENCES users(id),
    asked_at TEXT NOT NULL,
    -- Empty while waiting; `granted` (with the deadline granted) or `refused` (with a reason).
    decision TEXT,
    granted_due TEXT,
    decision_note TEXT,
    decided_by TEXT REFERENCES users(id),
    decided_on TEXT,
    decided_at TEXT
);
CREATE INDEX task_extensions_task ON task_extensions(task_id, asked_at);
-- One request waiting per unit, whichever node takes it.
CREATE UNIQUE INDEX task_extensions_pending ON task_extensions(unit_id) WHERE decision IS NULL;

-- Reminders (`remind`, N working days before) and escalations (`escalate`, once overdue) sent
-- for a unit's deadline `day`: the key makes each go out once across nodes; an extension gives
-- the new deadline its own.
CREATE TABLE task_reminders (
    unit_id TEXT NOT NULL REFERENCES task_units(id),
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (unit_id, kind, day)
);

-- The daily digest of open tasks mailed to a person on a local `day`: once across nodes.
CREATE TABLE task_digests (
    user_id TEXT NOT NULL REFERENCES users(id),
    day TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- The deadline a timeline entry names (an extension asked for or granted).
ALTER TABLE task_reports ADD COLUMN due_on TEXT;
