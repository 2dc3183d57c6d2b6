-- Certificates from external CAs registered to officials (docs/signatures-design.md §5.4): the
-- register is keyed by issuer and serial, not by serial alone (two CAs may use one serial).
-- `issuer` is the issuing CA's name as x509 prints it (RFC 4514, the form `subject` has);
-- `origin` is `demo` for what the demo CA issued (its OCSP responder and CRLs answer for
-- these alone) or `external` for a certificate an administrator or the official registered.
-- The existing rows were all issued by the demo issuing CA. SQLite cannot drop the column's
-- UNIQUE: the table is rebuilt, its rows kept.
CREATE TABLE pki_certificates_keyed (
    id TEXT PRIMARY KEY,
    serial TEXT NOT NULL,
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
    created_at TEXT NOT NULL,
    issuer TEXT NOT NULL DEFAULT '',
    origin TEXT NOT NULL DEFAULT 'demo'
);
INSERT INTO pki_certificates_keyed (id, serial, kind, user_id, agency_id, subject,
        key_algorithm, not_before, not_after, status, revoked_at, reason, certificate,
        sealed_key, created_at, issuer, origin)
    SELECT id, serial, kind, user_id, agency_id, subject, key_algorithm, not_before, not_after,
           status, revoked_at, reason, certificate, sealed_key, created_at,
           COALESCE((SELECT subject FROM pki_authorities WHERE role = 'issuing'), ''), 'demo'
      FROM pki_certificates;
DROP TABLE pki_certificates;
ALTER TABLE pki_certificates_keyed RENAME TO pki_certificates;
CREATE UNIQUE INDEX pki_certificates_by_issuer_serial ON pki_certificates(issuer, serial);
CREATE INDEX pki_certificates_by_serial ON pki_certificates(serial);
CREATE INDEX pki_certificates_by_issue ON pki_certificates(created_at, id);
CREATE INDEX pki_certificates_by_user ON pki_certificates(user_id);
CREATE INDEX pki_certificates_by_agency ON pki_certificates(agency_id);
