"""Drives Tỉnh Số's Open311 GeoReport v2 API with an existing third-party client library
(`georeport` from PyPI, unchanged), in JSON and in XML. Called by tests/open311.test.js with the
API root and the id of a request filed beforehand; exits non-zero on the first mismatch."""
import sys

from georeport import GeoReport

root, request_id = sys.argv[1], sys.argv[2]

for fmt in ("json", "xml"):
    client = GeoReport(root, output_format=fmt)
    services = client.get_service_list()
    codes = {s["service_code"] for s in services}
    assert "giao-thong" in codes, (fmt, codes)
    assert all(s["type"] == "realtime" for s in services), services

    definition = client.get_service_definition("giao-thong")
    assert definition["service_code"] == "giao-thong", definition

    one = client.get_service_request(request_id)
    assert one["service_request_id"] == request_id, one
    assert one["status"] == "open", one
    assert one["service_code"] == "giao-thong", one
    assert float(one["lat"]) == 19.8067 and float(one["long"]) == 105.7852, one

    listed = client.get_service_requests(status="open", service_code="giao-thong")
    listed = listed if isinstance(listed, list) else [listed]
    assert any(r["service_request_id"] == request_id for r in listed), listed
    by_id = client.get_service_requests(service_request_id=request_id)
    by_id = by_id if isinstance(by_id, list) else [by_id]
    assert [r["service_request_id"] for r in by_id] == [request_id], by_id
    print(f"{fmt}: {len(services)} services, request {request_id} {one['status']}")

print("ok")
