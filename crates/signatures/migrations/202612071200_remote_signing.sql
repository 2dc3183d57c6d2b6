-- Remote signing (docs/signatures-design.md §4): the platform's signing sessions, each waiting
-- for a remote signing provider's answer (the signer confirms on a phone), and the requests the
-- test provider ("nhà cung cấp THỬ NGHIỆM", on with signatures.test_remote_provider) holds.
--
-- signing_sessions: the prepared PDF waits in the object store (`prepared_key`, never rebuilt),
-- its byte range as JSON; `digest` (hex) is the SHA-256 of the signed attributes, the only thing
-- besides `title` the provider receives; `provider_tx` is the provider's transaction id.
-- state: pending | signed | refused | expired | failed. `completion` names the job kind of the
-- module that asked (it stores the signed file), `context` is that module's JSON.
CREATE TABLE signing_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    certificate TEXT NOT NULL,
    chain TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    prepared_key TEXT NOT NULL,
    byte_range TEXT NOT NULL,
    digest TEXT NOT NULL,
    title TEXT NOT NULL,
    provider_tx TEXT,
    state TEXT NOT NULL,
    detail TEXT,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    completion TEXT NOT NULL,
    context TEXT NOT NULL,
    return_to TEXT NOT NULL,
    result TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finished_at TEXT,
    -- The poll's lease: one node at a time asks the provider about a session.
    locked_until TEXT
);
CREATE INDEX signing_sessions_pending ON signing_sessions(state, expires_at);
CREATE INDEX signing_sessions_by_user ON signing_sessions(user_id, created_at);

-- The test provider's side: what its "phone" page lists for the signed-in official.
-- state: pending | signed | refused | expired; `signature` base64 once signed.
CREATE TABLE test_remote_requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    signature TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX test_remote_requests_by_user ON test_remote_requests(user_id, state);
