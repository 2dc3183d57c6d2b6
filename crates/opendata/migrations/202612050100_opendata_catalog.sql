-- The published catalogue's generation (docs/opendata-design.md §6.3): raised in the
-- transaction of every change to a dataset, so that each node's in-memory copy of the public
-- catalogue (read by the CKAN API) is read again only when it changed, and a request sees
-- every change committed before it, on any node.
CREATE TABLE opendata_catalog (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO opendata_catalog (id, generation) VALUES (1, 0);
