-- Task tracking (theo dõi nhiệm vụ, issue 16; docs/tasks-design.md §3), slice 2: tasks, the
-- units they are assigned to, and everything reported and decided on them. Both databases.
-- Days (`assigned_on`, `due_on`…) are Vietnam local dates, `YYYY-MM-DD`, so text order is
-- time order; moments (`created_at`) are UTC text as elsewhere.

-- Which agency's office follows the tasks an authority assigns (Văn phòng UBND tỉnh for the
-- province's People's Committee). An authority without a row is its own office.
CREATE TABLE task_offices (
    authority_agency_id TEXT PRIMARY KEY REFERENCES agencies(id),
    office_agency_id TEXT NOT NULL REFERENCES agencies(id)
);

CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    -- `NV-<year>-<seq>`, numbered per authority agency and year without gaps.
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    -- `typed` or `document` (later `direction`, `meeting`), and the source's id.
    source_kind TEXT NOT NULL,
    source_id TEXT,
    source_label TEXT,
    authority_agency_id TEXT NOT NULL REFERENCES agencies(id),
    -- `committee`, `chair`, `vice_chair` or `head`.
    authority_position TEXT NOT NULL,
    office_agency_id TEXT NOT NULL REFERENCES agencies(id),
    priority TEXT NOT NULL,
    field TEXT NOT NULL,
    -- Later slices: recurrence rule (JSON) and the task an occurrence belongs to.
    recurrence TEXT,
    parent_id TEXT REFERENCES tasks(id),
    assigned_on TEXT NOT NULL,
    -- The lead unit's state (`tinhso_domain::task::state::UnitState`).
    state TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX tasks_code ON tasks(authority_agency_id, code);
CREATE INDEX tasks_office ON tasks(office_agency_id, state, assigned_on);
CREATE INDEX tasks_source ON tasks(source_kind, source_id);

-- One row per unit a task is assigned to: the lead unit (chủ trì) or a supporting one
-- (phối hợp), with its own deadline and state.
CREATE TABLE task_units (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    agency_id TEXT NOT NULL REFERENCES agencies(id),
    role TEXT NOT NULL,
    -- How the deadline was given: a date (`due_spec_days` empty) or N working days.
    due_spec_days BIGINT,
    due_on TEXT NOT NULL,
    -- The deadline worked to and the one lateness is judged by (extensions move them).
    current_due_on TEXT NOT NULL,
    judged_due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    progress BIGINT NOT NULL,
    finished_on TEXT,
    accepted_by TEXT REFERENCES users(id),
    -- The Government Office's bucket, cached for the overview and ranking (later slices).
    bucket TEXT,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX task_units_task_agency ON task_units(task_id, agency_id);
CREATE INDEX task_units_agency ON task_units(agency_id, state, current_due_on);

-- What a unit reported and what the office decided, in order: the task's timeline.
CREATE TABLE task_reports (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks(id),
    unit_id TEXT NOT NULL REFERENCES task_units(id),
    -- `progress`, `completion`, `accept`, `return` (later `urge`).
    kind TEXT NOT NULL,
    percent BIGINT,
    body TEXT NOT NULL,
    by_user TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX task_reports_task ON task_reports(task_id, created_at);
