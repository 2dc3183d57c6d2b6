-- The dashboard's breakdowns (on-time outcome by field, feedback by category: `store::dashboard::
-- by_key`) read a scope's keyed counters of some sources over a window's months. The primary key
-- (scope, grain, breakdown, period, source) has every key before the period, so that read walked
-- every month of the scope's history (12,132 rows for 468 at 10⁷ dossiers, 15.7 ms a view,
-- growing with the years; docs/benchmarks.md). By source and period it reads the window alone.
-- `n` is left out so that adding to a counter stays an in-place (HOT) update. Both databases.
CREATE INDEX ops_counters_keyed ON ops_counters (scope, grain, source, period);
