-- Task tracking, slice 5 (docs/tasks-design.md §3, §9): a person's calendar feed of deadlines,
-- read by phone and desktop calendars at a secret URL. Only the SHA-256 of the secret is kept;
-- a revoked feed answers 404. Both databases.
CREATE TABLE task_feeds (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX task_feeds_user ON task_feeds(user_id, created_at);
