-- Issue 13, notifications: the in-app inbox and each person's choice of channels per topic.
-- One file for both databases.

-- One row per notice a signed-up person received in the platform. `dedupe_key` names the
-- occurrence (a business action, `deadline:<report>:<kind>` for the sweeps, later the event
-- delivery), so the same notice is never stored twice for one person.
CREATE TABLE inbox_items (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    topic      TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    -- A path on this site, e.g. '/dossiers/…', opened from the inbox.
    link       TEXT,
    -- Message id and parameters for the English view (issue 13 §9.6); empty until then.
    message    TEXT,
    dedupe_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (user_id, dedupe_key)
);
-- The unread count every signed-in page shows, and the inbox newest first.
CREATE INDEX inbox_unread ON inbox_items(user_id, created_at) WHERE read_at IS NULL;
CREATE INDEX inbox_by_user ON inbox_items(user_id, created_at);

-- A person's channels for one topic. No row: the topic's defaults. Mandatory topics ignore it.
CREATE TABLE notification_prefs (
    user_id    TEXT NOT NULL REFERENCES users(id),
    topic      TEXT NOT NULL,
    email      BIGINT NOT NULL,
    inbox      BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, topic)
);
