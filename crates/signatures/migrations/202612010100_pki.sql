-- The demo certificate authority (docs/signatures-design.md §5): its authorities and the
-- certificates it issued. Both databases. Certificates and CRLs are kept as base64 of their DER;
-- private keys only sealed (PKCS#8 under `pki_key`, kept outside the database like `totp_key`).

-- One row per authority: `root`, `issuing` (the CA that issues to people and agencies), `ocsp`
-- (its delegated responder) and `tsa`. The role is the key, so two nodes creating the demo CA
-- at once cannot both store one. The root and issuing rows also keep their current CRL, shared
-- by every node: cleared by a revocation, rebuilt with the next number when asked for.
CREATE TABLE pki_authorities (
    role TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    serial TEXT NOT NULL UNIQUE,
    certificate TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after TEXT NOT NULL,
    -- Where it was published (AIA and CRLDP URLs) and the demo policy `2.25.<uuid>`.
    public_url TEXT NOT NULL,
    policy_uuid TEXT NOT NULL,
    crl TEXT,
    crl_number BIGINT NOT NULL DEFAULT 0,
    crl_next_update TEXT,
    created_at TEXT NOT NULL
);

-- Certificates issued by the issuing CA to people (`person`: a leader, a document clerk) and
-- agencies (`agency`: the agency's seal). `serial` is the lower-case hexadecimal of the
-- certificate's serial number, as OCSP and CRLs name it. `status` is `good` or `revoked`;
-- a revocation records when and why (a CRL reason: `key_compromise`, `superseded`…).
CREATE TABLE pki_certificates (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    user_id TEXT REFERENCES users(id),
    agency_id TEXT REFERENCES agencies(id),
    subject TEXT NOT NULL,
    key_algorithm TEXT NOT NULL,
    not_before TEXT NOT NULL,
    not_after TEXT NOT NULL,
    status TEXT NOT NULL,
    revoked_at TEXT,
    reason TEXT,
    certificate TEXT NOT NULL,
    sealed_key TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX pki_certificates_by_issue ON pki_certificates(created_at, id);
CREATE INDEX pki_certificates_by_user ON pki_certificates(user_id);
CREATE INDEX pki_certificates_by_agency ON pki_certificates(agency_id);
