-- Signature and seal images (Decree 30/2020 Appendix I; docs/signatures-design.md §3): an
-- official's handwritten signature image (owner_kind 'person', owner_id the user's id) and an
-- agency's seal image (owner_kind 'agency', the agency's id), one per owner, drawn in their
-- visible signatures. The file is in the object store at `storage_key`; width and height are
-- in pixels, bytes the file's size, sha256 its hex digest.
CREATE TABLE stamp_images (
    owner_kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    storage_key TEXT NOT NULL,
    media_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id)
);
