-- The tasks' generation (docs/benchmarks.md, "Tasks (issue 16)"): raised in the transaction
-- of every change to a task, its units or the ranking's rules, so that each node's cache of
-- the overview's and the ranking's counts (`overview_cache`) is read again only when it
-- changed, and a request sees every change committed before it, on any node. Both databases.
CREATE TABLE task_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO task_generation (id, generation) VALUES (1, 0);
