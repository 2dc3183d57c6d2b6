"""Drives Tỉnh Số's CKAN Action API v3 with an existing third-party client library (ckanapi 4.11
from PyPI, unchanged), by POST (its default, at /api/action/) and by GET, datastore_search included. Called by
tests/opendata_ckan.test.js with the site's address; exits non-zero on the first mismatch."""
import json
import sys

import ckanapi

site = sys.argv[1]
ORG = "000-00-14-h56"
# The platform's own datasets (docs/opendata-design.md §10), published by the first sweep after the
# demo is loaded: present or not yet, depending on when the server's runner got there.
LIVE = {"agencies", "procedures", "onestop-statistics-monthly", "feedback-statistics-monthly",
        "service-statistics"}

for get_only in (False, True):
    ckan = ckanapi.RemoteCKAN(site, get_only=get_only, user_agent="ckanapi-check/1.0")

    names = ckan.action.package_list()
    assert names == sorted(names), names
    names = [n for n in names if n not in LIVE]
    assert len(names) == 2, names

    # Words without diacritics, fq as the CKAN harvester sends it, facets.
    found = ckan.action.package_search(
        q="cong chung",
        fq=f"organization:{ORG} OR organization:nope",
        facet_field=["organization", "tags"],
    )
    assert found["count"] == 1, found
    assert found["results"][0]["title"] == "Danh sách tổ chức hành nghề công chứng (minh họa)", found
    assert found["facets"]["organization"] == {ORG: 1}, found["facets"]
    assert found["search_facets"]["tags"]["items"], found["search_facets"]
    dotted = ckan.call_action("package_search", {"facet.field": ["groups"], "rows": 1, "sort": "id asc",
                                                 "fq": f"organization:{ORG}"})
    assert dotted["count"] == 2 and len(dotted["results"]) == 1, dotted
    assert sum(dotted["facets"]["groups"].values()) == 2, dotted["facets"]
    # Paging to the end with start/rows.
    seen = []
    start = 0
    while True:
        page = ckan.action.package_search(rows=1, start=start, sort="id asc", fq=f"organization:{ORG}")
        if not page["results"]:
            break
        seen += [p["id"] for p in page["results"]]
        start += 1
    assert len(seen) == 2 and seen == sorted(seen), seen

    pkg = ckan.action.package_show(id=names[0])
    assert pkg["name"] == names[0] and pkg["organization"]["name"] == ORG, pkg
    assert ckan.action.package_show(id=pkg["id"]) == pkg
    res = ckan.action.resource_show(id=pkg["resources"][0]["id"])
    assert res == pkg["resources"][0], res

    assert ORG in ckan.action.organization_list()
    orgs = ckan.action.organization_list(all_fields=True)
    assert [o["package_count"] for o in orgs if o["name"] == ORG] == [2], orgs
    assert ckan.action.organization_show(id=ORG)["title"], ORG
    groups = ckan.action.group_list()
    assert len(groups) == 15, groups
    assert ckan.action.group_show(id="tu-phap")["package_count"] == 1
    tags = ckan.action.tag_list()
    assert "công chứng" in tags and "trợ giúp pháp lý" not in tags, tags
    assert ckan.action.status_show()["ckan_version"] == "2.11.0"

    # datastore_search over the notaries' table (the demo's 4 rows), as ckanapi sends it;
    # filters as JSON text, which CKAN accepts too and a GET can carry.
    notaries = ckan.action.package_search(q="cong chung")["results"][0]
    rid = notaries["resources"][0]["id"]
    assert notaries["resources"][0]["datastore_active"] is True, notaries["resources"][0]
    table = ckan.action.datastore_search(resource_id=rid)
    assert table["total"] == 4 and len(table["records"]) == 4, table
    assert [f["id"] for f in table["fields"]][:2] == ["_id", "Mã tổ chức"], table["fields"]
    assert {f["id"]: f["type"] for f in table["fields"]}["Số công chứng viên"] == "int", table["fields"]
    assert ckan.action.datastore_search(resource_id=rid, q="hac thanh")["total"] == 3
    offices = ckan.action.datastore_search(
        resource_id=rid,
        filters=json.dumps({"Loại hình": "Văn phòng công chứng"}),
        sort="Số công chứng viên desc",
    )
    assert [r["Mã tổ chức"] for r in offices["records"]] == ["CC-001", "CC-004", "CC-002"], offices
    assert offices["total"] == 3, offices
    second = ckan.action.datastore_search(resource_id=rid, limit=1, offset=1, fields="Mã tổ chức")
    assert second["records"] == [{"Mã tổ chức": "CC-002"}], second
    info = ckan.action.datastore_info(id=rid)
    assert info["meta"]["count"] == 4, info

    # CKAN's errors become ckanapi's exceptions.
    for call, exc in [
        (lambda: ckan.action.package_show(id="danh-sach-tro-giup-vien-phap-ly-minh-hoa"), ckanapi.NotFound),
        (lambda: ckan.action.package_show(id="nope"), ckanapi.NotFound),
        (lambda: ckan.action.package_search(fq="colour:red"), ckanapi.SearchError),
        (lambda: ckan.action.package_search(sort="colour asc"), ckanapi.SearchQueryError),
        (lambda: ckan.action.package_search(rows=-1), ckanapi.ValidationError),
        (lambda: ckan.action.organization_show(id="nope"), ckanapi.NotFound),
        (lambda: ckan.action.datastore_search(resource_id="nope"), ckanapi.NotFound),
        (lambda: ckan.action.datastore_search(resource_id=rid, filters=json.dumps({"Màu": "đỏ"})), ckanapi.ValidationError),
        (lambda: ckan.action.datastore_search(resource_id=rid, sort="Màu desc"), ckanapi.ValidationError),
        (lambda: ckan.action.datastore_search(resource_id=rid, limit=10**9), ckanapi.ValidationError),
    ]:
        try:
            call()
        except exc:
            pass
        else:
            raise AssertionError(f"{exc.__name__} expected")
    try:
        ckan.action.datastore_search_sql(sql="SELECT 1")
    except ckanapi.CKANAPIError as e:
        assert "Action name not known" in str(e), e
    else:
        raise AssertionError("an unknown action is refused")
    print(("get" if get_only else "post") + ": ok")

print("ok")
