-- Revocation answers fetched online (docs/signatures-design.md §6.4), shared by the nodes:
-- an OCSP response or a CRL kept until its nextUpdate, so a certificate's status is asked
-- once per period, not at every check. `key` is the SHA-256 (hex) of the kind, the URL and,
-- for OCSP, the request. A failed fetch is kept too (`answer` NULL) until `keep_until`, so an
-- unreachable responder is not asked again at every check for a few minutes.
CREATE TABLE revocation_cache (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    answer TEXT,
    keep_until TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);
CREATE INDEX revocation_cache_by_expiry ON revocation_cache(keep_until);
