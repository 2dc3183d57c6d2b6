"""Reads a Tỉnh Số task deadline feed with an existing third-party iCalendar parser (icalendar
7.3.2 from PyPI, unchanged) and checks what a person's calendar would show. Called by
crates/server/tests/app/tasks_feed.rs with the feed saved to a file and the expected events as
JSON: [{"uid", "date" (YYYY-MM-DD), "summary_starts", "sequence", "url_ends"}]. Exits non-zero
on the first mismatch."""
import datetime
import json
import sys

import icalendar

feed_path, expected_path = sys.argv[1], sys.argv[2]
with open(feed_path, "rb") as f:
    raw = f.read()
with open(expected_path, encoding="utf-8") as f:
    expected = json.load(f)

assert raw.endswith(b"\r\n"), "CRLF line ends"
for line in raw.split(b"\r\n"):
    assert len(line) <= 75, f"a content line longer than 75 octets: {line!r}"

cal = icalendar.Calendar.from_ical(raw)
assert cal["VERSION"] == "2.0", cal.get("VERSION")
assert str(cal["PRODID"]), "PRODID"
events = cal.walk("VEVENT")
by_uid = {str(e["UID"]): e for e in events}
assert len(by_uid) == len(events), "each UID once"
assert sorted(by_uid) == sorted(x["uid"] for x in expected), (sorted(by_uid), expected)

for x in expected:
    e = by_uid[x["uid"]]
    start = e.decoded("DTSTART")
    # An all-day event: a date, not a date-time, with VALUE=DATE.
    assert type(start) is datetime.date, (x["uid"], start)
    assert e["DTSTART"].params.get("VALUE") == "DATE", e["DTSTART"].params
    assert start.isoformat() == x["date"], (x["uid"], start, x["date"])
    end = e.decoded("DTEND")
    assert type(end) is datetime.date and end == start + datetime.timedelta(days=1), end
    summary = str(e["SUMMARY"])
    assert summary.startswith(x["summary_starts"]), (summary, x["summary_starts"])
    assert int(e.get("SEQUENCE", 0)) == x["sequence"], (x["uid"], e.get("SEQUENCE"), x["sequence"])
    assert str(e["URL"]).endswith(x["url_ends"]), (e["URL"], x["url_ends"])
    assert e.decoded("DTSTAMP").tzinfo is not None, "DTSTAMP in UTC"

print(f"ical_check: {len(events)} events as expected")
