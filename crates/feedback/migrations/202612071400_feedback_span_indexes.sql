-- The published statistics count a period by index ranges of its own days, and keep closed
-- periods' figures until a report of theirs changes (`published`, docs/opendata-design.md
-- §10): reports by receipt month (`received_local`), answered in a span (`answered_at`), and
-- changed since a time (`updated_at`).
CREATE INDEX feedback_reports_received ON feedback_reports(received_local);
CREATE INDEX feedback_reports_answered_at ON feedback_reports(answered_at) WHERE answered_at IS NOT NULL;
CREATE INDEX feedback_reports_updated ON feedback_reports(updated_at);
