-- Task tracking, slice 5 (docs/tasks-design.md): a unit splits its part among its sub-units or
-- its officials (giao tiếp), each part with its own deadline (not after the unit's) and
-- progress; the unit's progress is their average (`state::rolled_up`). Both databases.
CREATE TABLE task_parts (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    unit_id TEXT NOT NULL REFERENCES task_units(id),
    -- Exactly one holder: an agency under the unit, or an official of the unit's agency.
    holder_agency_id TEXT REFERENCES agencies(id),
    holder_user_id TEXT REFERENCES users(id),
    note TEXT NOT NULL,
    -- `YYYY-MM-DD`, Vietnam local, on or before the unit's deadline when split.
    due_on TEXT NOT NULL,
    progress BIGINT NOT NULL,
    -- The holder's latest report.
    last_report TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((holder_agency_id IS NULL) <> (holder_user_id IS NULL))
);
CREATE INDEX task_parts_task ON task_parts(task_id, created_at);
CREATE UNIQUE INDEX task_parts_unit_agency ON task_parts(unit_id, holder_agency_id)
    WHERE holder_agency_id IS NOT NULL;
CREATE UNIQUE INDEX task_parts_unit_user ON task_parts(unit_id, holder_user_id)
    WHERE holder_user_id IS NOT NULL;
CREATE INDEX task_parts_holder_agency ON task_parts(holder_agency_id);
CREATE INDEX task_parts_holder_user ON task_parts(holder_user_id);

-- The occurrences of a recurring task point at its first one (`tasks.parent_id`, slice 2).
CREATE INDEX tasks_parent ON tasks(parent_id);
