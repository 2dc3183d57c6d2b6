-- Issue 12, the citizen's journey.

-- What a citizen's account knows beyond name, ID number and phone, to pre-fill applications:
-- their address and the administrative unit (commune or ward) they live in.
ALTER TABLE users ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN admin_unit_code TEXT;

-- A citizen's store of papers ("Kho giấy tờ của tôi") is read from `dossier_files`: every paper
-- they uploaded and every result issued to them. A paper reused on a new dossier gets its own
-- `dossier_files` row pointing to the same object, so a dossier never loses a paper it used.
-- Removing a paper from the store hides it there (by object) and leaves every dossier intact.
CREATE TABLE paper_store_removed (
    user_id TEXT NOT NULL REFERENCES users(id),
    storage_key TEXT NOT NULL,
    removed_at TEXT NOT NULL,
    PRIMARY KEY (user_id, storage_key)
);
CREATE INDEX dossier_files_storage_key ON dossier_files(storage_key);

-- The catalog lists fields by their name as people read it (diacritics folded, as procedures'
-- names already are), the same on both databases whatever their collation. Rows written before
-- this column are folded at start-up (`catalog::store::fold_field_names`).
ALTER TABLE procedure_fields ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';

-- Procedure pages: legal basis (căn cứ pháp lý), conditions (yêu cầu, điều kiện) and
-- downloadable form templates (mẫu đơn, tờ khai), as JSON arrays like the other documents.
ALTER TABLE procedures ADD COLUMN legal_basis TEXT NOT NULL DEFAULT '[]';
ALTER TABLE procedures ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE procedures ADD COLUMN templates TEXT NOT NULL DEFAULT '[]';
