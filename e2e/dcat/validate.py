#!/usr/bin/env python3
"""Checks the portal's DCAT-AP documents (docs/opendata-design.md §8) with independent tools:
rdflib reads each document in its three formats (Turtle, JSON-LD, RDF/XML), the three graphs
must be isomorphic, and pyshacl validates them against the official DCAT-AP 3.0.1 SHACL shapes
(vendored in crates/server/tests/fixtures/dcat-ap-3.0.1/): the mandatory shapes must conform,
the recommended ones may only warn (warnings listed). A damaged copy — a dataset without its
title, a distribution without its access URL — must fail on exactly those, so a validator that
accepts everything cannot pass this check.

Usage: validate.py SHAPES_DIR DOCUMENT...
A DOCUMENT is an address or a file path without its extension (`http://host/opendata/catalog`,
`http://host/opendata/catalog?page=2`, `/tmp/x/catalog`): `.ttl`, `.jsonld` and `.rdf` are added
(before the query, if any). Pinned: pyshacl 0.40.1, rdflib 7.6.0 (scripts/test-all).
"""

import sys
import time
import urllib.request
from pathlib import Path

import pyshacl
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

FORMATS = [("ttl", "turtle", "text/turtle"), ("jsonld", "json-ld", "application/ld+json"),
           ("rdf", "xml", "application/rdf+xml")]
# dcat:DataServiceShape lists two property shapes the file never defines: pyshacl refuses the
# whole file for them ("… is not a well-formed SHACL PropertyShape"). Dropped after loading.
DANGLING = 2


def fetch(stem, ext, media_type):
    if "?" in stem:
        base, query = stem.split("?", 1)
        where = f"{base}.{ext}?{query}"
    else:
        where = f"{stem}.{ext}"
    if where.startswith(("http://", "https://")):
        with urllib.request.urlopen(where, timeout=60) as resp:
            got = resp.headers.get_content_type()
            if got != media_type:
                sys.exit(f"{where}: media type {got}, expected {media_type}")
            return where, resp.read()
    return where, Path(where).read_bytes()


def shapes(path):
    g = rdflib.Graph().parse(path, format="turtle")
    dangling = [(s, o) for s, o in g.subject_objects(SH.property)
                if not any(True for _ in g.predicate_objects(o))]
    if len(dangling) != DANGLING:
        sys.exit(f"{path}: expected {DANGLING} undefined property shapes, found {len(dangling)}: {dangling}")
    for s, o in dangling:
        g.remove((s, SH.property, o))
    return g


def validate(data, shacl, allow_warnings=False):
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shacl, inference="none", allow_warnings=allow_warnings,
        abort_on_first=False, meta_shacl=False, advanced=False)
    return conforms, report, text


def failing_paths(report):
    return {report.value(r, SH.resultPath) for r in report.subjects(RDF.type, SH.ValidationResult)}


def graphs_of(stem):
    graphs = []
    for ext, fmt, media_type in FORMATS:
        where, body = fetch(stem, ext, media_type)
        g = rdflib.Graph().parse(data=body, format=fmt)
        if len(g) == 0:
            sys.exit(f"{where}: no triples")
        graphs.append((where, g))
    return graphs


def settled_graphs(stem, tries=10):
    """The three formats read while the catalogue did not change: the first format is read
    again after the others and must be the same graph, else (a live dataset refreshed in
    between, as happens in the seconds after a start) all three are read again."""
    for _ in range(tries):
        graphs = graphs_of(stem)
        _, again = fetch_graph(stem)
        if isomorphic(graphs[0][1], again):
            return graphs
        time.sleep(1)
    sys.exit(f"{stem}: the catalogue kept changing while its formats were read")


def fetch_graph(stem):
    ext, fmt, media_type = FORMATS[0]
    where, body = fetch(stem, ext, media_type)
    return where, rdflib.Graph().parse(data=body, format=fmt)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    folder = Path(sys.argv[1])
    mandatory_file, recommended_file = folder / "dcat-ap-SHACL.ttl", folder / "shapes_recommended.ttl"
    for f in (mandatory_file, recommended_file):
        if not f.is_file():
            sys.exit(f"missing {f}: the official DCAT-AP 3.0.1 shapes must be vendored there "
                     "(SEMICeu/DCAT-AP releases/3.0.1, see NOTICE)")
    mandatory = shapes(mandatory_file)
    recommended = rdflib.Graph().parse(recommended_file, format="turtle")
    damaged_checked = False
    for stem in sys.argv[2:]:
        graphs = settled_graphs(stem)
        first_where, first = graphs[0]
        for where, g in graphs[1:]:
            if not isomorphic(first, g):
                sys.exit(f"{where} and {first_where} are not the same graph "
                         f"({len(g)} and {len(first)} triples)")
        conforms, _, text = validate(first, mandatory)
        if not conforms:
            sys.exit(f"{stem}: does not conform to the DCAT-AP 3.0.1 shapes\n{text}")
        conforms, report, text = validate(first, recommended, allow_warnings=True)
        if not conforms:
            sys.exit(f"{stem}: the recommended shapes found more than warnings\n{text}")
        warnings = sorted({str(p) for p in failing_paths(report)})
        print(f"{stem}: {len(first)} triples, 3 formats isomorphic, conforms; "
              f"recommended: {len(warnings)} warned properties {warnings}")
        # The validator must bite: a dataset without its title and a distribution without its
        # access URL fail on exactly those.
        dataset = next(first.subjects(RDF.type, DCAT.Dataset), None)
        distribution = next(first.subjects(RDF.type, DCAT.Distribution), None)
        if dataset is not None and distribution is not None and not damaged_checked:
            damaged = rdflib.Graph()
            for t in first:
                damaged.add(t)
            damaged.remove((dataset, DCTERMS.title, None))
            damaged.remove((distribution, DCAT.accessURL, None))
            conforms, report, text = validate(damaged, mandatory)
            paths = failing_paths(report)
            if conforms or paths != {DCTERMS.title, DCAT.accessURL}:
                sys.exit(f"damaged copy of {stem}: expected failures on dct:title and dcat:accessURL, "
                         f"got conforms={conforms} {paths}\n{text}")
            damaged_checked = True
    print("ok")


if __name__ == "__main__":
    main()
