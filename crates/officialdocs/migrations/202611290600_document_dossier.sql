-- A decision drafted as a one-stop dossier's result names the dossier by its national code
-- (checked with the one-stop module when the draft is made); `document.issued` carries it so
-- the one-stop module attaches the issued file to the dossier (issue 14 §8).
ALTER TABLE documents ADD COLUMN dossier_code TEXT;
