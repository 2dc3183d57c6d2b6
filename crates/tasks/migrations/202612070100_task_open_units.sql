-- A unit's board lists its open assignments nearest deadline first, 200 at most
-- (`store::of_unit`). Over `task_units_agency` (agency, state, current deadline) the three open
-- states are three runs to merge, so both databases read every open assignment of the unit and
-- sort them; over this index, which holds only the open ones in deadline order, the scan stops
-- after the first 200 (docs/benchmarks.md, "Tasks (issue 16)"). Both databases.
CREATE INDEX task_units_open_due ON task_units(agency_id, current_due_on)
    WHERE state IN ('assigned', 'in_progress', 'completion_reported');
