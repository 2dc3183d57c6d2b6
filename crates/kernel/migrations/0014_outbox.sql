-- The events outbox (issue 13, docs/kernel-design.md §6): business events written in the
-- transaction that makes them true, then delivered at least once to each subscriber, in order
-- per aggregate, by the job runner. One file for both databases.

-- One row per aggregate stream ('dossier:<id>'): the last sequence number handed out. Upserted
-- in the business transaction; its row lock orders concurrent emitters of a stream by commit.
-- Kept when events are purged, so a stream's numbers never restart.
CREATE TABLE outbox_streams (
    stream   TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE outbox_events (
    id          TEXT PRIMARY KEY,              -- UUID v7
    kind        TEXT NOT NULL,                 -- 'dossier.accepted'
    version     BIGINT NOT NULL DEFAULT 1,     -- payload schema version of this kind
    stream      TEXT NOT NULL,                 -- 'dossier:0193…'
    seq         BIGINT NOT NULL,               -- 1, 2, 3 … within the stream, gap-free
    payload     TEXT NOT NULL,                 -- JSON: ids and codes, no personal data
    actor       TEXT NOT NULL,                 -- audit-style label: 'user:…', 'payment:test', 'system'
    occurred_at TEXT NOT NULL,
    UNIQUE (stream, seq)
);
CREATE INDEX outbox_events_kind ON outbox_events(kind, occurred_at);

-- One row per (event, subscriber): the unit of delivery, retry and dead letter.
CREATE TABLE outbox_deliveries (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES outbox_events(id),
    subscriber      TEXT NOT NULL,             -- 'feedback.notify_followers'
    stream          TEXT NOT NULL,             -- copied from the event, for the order rule
    seq             BIGINT NOT NULL,
    status          TEXT NOT NULL,             -- pending | running | done | dead | skipped
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,             -- due time; while running: the lease's end
    claim_token     TEXT,                      -- set at each claim; finishing must present it
    locked_by       TEXT,                      -- node name, for the admin list
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    finished_at     TEXT,
    UNIQUE (event_id, subscriber)
);
CREATE INDEX outbox_due ON outbox_deliveries(next_attempt_at) WHERE status IN ('pending', 'running');
CREATE INDEX outbox_open ON outbox_deliveries(subscriber, stream, seq) WHERE status NOT IN ('done', 'skipped');
CREATE INDEX outbox_dead ON outbox_deliveries(created_at) WHERE status = 'dead';
CREATE INDEX outbox_finished ON outbox_deliveries(finished_at) WHERE status IN ('done', 'skipped');
