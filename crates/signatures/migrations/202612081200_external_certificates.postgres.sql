-- Certificates from external CAs registered to officials (docs/signatures-design.md §5.4): the
-- register is keyed by issuer and serial, not by serial alone (two CAs may use one serial).
-- `issuer` is the issuing CA's name as x509 prints it (RFC 4514, the form `subject` has);
-- `origin` is `demo` for what the demo CA issued (its OCSP responder and CRLs answer for
-- these alone) or `external` for a certificate an administrator or the official registered.
-- The existing rows were all issued by the demo issuing CA.
ALTER TABLE pki_certificates ADD COLUMN issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE pki_certificates ADD COLUMN origin TEXT NOT NULL DEFAULT 'demo';
UPDATE pki_certificates
   SET issuer = COALESCE((SELECT subject FROM pki_authorities WHERE role = 'issuing'), '');
ALTER TABLE pki_certificates DROP CONSTRAINT pki_certificates_serial_key;
CREATE UNIQUE INDEX pki_certificates_by_issuer_serial ON pki_certificates(issuer, serial);
CREATE INDEX pki_certificates_by_serial ON pki_certificates(serial);
