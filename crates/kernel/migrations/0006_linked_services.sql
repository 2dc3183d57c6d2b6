-- Linked procedures (thủ tục liên thông): one request that becomes a dossier at each agency,
-- e.g. birth registration → permanent residence → health insurance card for a child under 6.
CREATE TABLE linked_services (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- National codes of the procedures, in processing order (JSON array).
    procedures TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
