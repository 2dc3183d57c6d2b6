-- Task tracking, slice 4 (docs/tasks-design.md §3, §9): the ranking's rules as data. A ranking
-- is computed with the rules in force on the day it is judged (the latest `valid_from` on or
-- before it) and prints them. Rows are never changed: new rules get a new row, audited.
-- `rules` is `tinhso_domain::task::ranking::RankingRules` as JSON. Both databases.
CREATE TABLE task_rules (
    id TEXT PRIMARY KEY,
    rules TEXT NOT NULL,
    -- Vietnam local day (`YYYY-MM-DD`) from which these rules judge.
    valid_from TEXT NOT NULL,
    note TEXT NOT NULL,
    -- Empty for the platform's default below.
    set_by TEXT REFERENCES users(id),
    set_at TEXT NOT NULL
);
CREATE INDEX task_rules_valid ON task_rules(valid_from, set_at);

-- The default (`RankingRules::default()`): 100 points on time, 50 late, 0 overdue; weights
-- 1, 2 and 3 for normal, high and urgent tasks; at least 5 judged tasks to be ranked.
INSERT INTO task_rules (id, rules, valid_from, note, set_by, set_at) VALUES (
    'default',
    '{"points_on_time":100.0,"points_late":50.0,"points_overdue":0.0,"weight_normal":1.0,"weight_high":2.0,"weight_urgent":3.0,"min_judged":5}',
    '2000-01-01',
    'Mặc định của nền tảng',
    NULL,
    '2026-12-05T00:00:00Z'
);

-- The overview and ranking count per unit over tasks assigned in a period.
CREATE INDEX tasks_authority_assigned ON tasks(authority_agency_id, assigned_on);
CREATE INDEX tasks_office_assigned ON tasks(office_agency_id, assigned_on);
