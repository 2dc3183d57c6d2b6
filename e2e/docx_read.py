"""Reads a DOCX file with python-docx (a third-party reader) and prints what a person reading
it in a word processor would see, as JSON: the paragraphs' text, each table as rows of cell
texts (nested tables inside cells flattened in), and how many pictures the file embeds.

Used by the periodic reports' tests (crates/server/tests/app/ops_reports.rs) and the browser
journey (e2e/tests/ops_dashboard.test.js). Usage: python3 e2e/docx_read.py FILE.docx
"""
import json
import sys

import docx


def main(path):
    d = docx.Document(path)
    tables = []
    for t in d.tables:
        tables.append([[c.text for c in row.cells] for row in t.rows])
    pictures = [
        r for r in d.part.rels.values() if r.reltype.endswith("/image")
    ]
    json.dump(
        {
            "paragraphs": [p.text for p in d.paragraphs],
            "tables": tables,
            "pictures": len(pictures),
        },
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main(sys.argv[1])
