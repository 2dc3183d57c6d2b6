-- Pending OpenID Connect sign-ins, keyed by their state parameter, so that the callback can
-- land on any app node.
CREATE TABLE oidc_logins (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
