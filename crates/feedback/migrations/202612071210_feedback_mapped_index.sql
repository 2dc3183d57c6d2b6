-- The operations centre's feedback map (`store::geo_cells`, `drill_mapped`) reads the reports
-- received in a window that are mapped (a position, not hidden). Without an index on
-- `received_local` it read every report ever received: a sequential scan of all of them for a
-- province-year (66 ms at 50,000 reports, growing with the years; docs/benchmarks.md). This
-- partial index holds only mapped reports, ordered by the day received, with what the map
-- counts, so a window's map reads the window's reports alone.
CREATE INDEX feedback_reports_mapped ON feedback_reports
    (received_local, status, agency_id, admin_unit_code, due_local, lat, lon)
    WHERE hidden_reason IS NULL AND lat IS NOT NULL AND lon IS NOT NULL;
