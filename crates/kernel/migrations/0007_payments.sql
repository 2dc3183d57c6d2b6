-- Fees and charges paid through a payment provider; one row per attempt.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    dossier_id TEXT NOT NULL REFERENCES dossiers(id),
    provider TEXT NOT NULL,
    -- Our reference sent to the provider (vnp_TxnRef).
    txn_ref TEXT NOT NULL UNIQUE,
    amount_vnd BIGINT NOT NULL,
    status TEXT NOT NULL,
    provider_txn TEXT,
    created_at TEXT NOT NULL,
    paid_at TEXT
);
CREATE INDEX payments_dossier ON payments(dossier_id);
