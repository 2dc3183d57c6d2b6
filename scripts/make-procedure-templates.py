#!/usr/bin/env python3
"""Writes the demo catalog's form templates (mẫu đơn, tờ khai) as small real DOCX files into
crates/onestop/demo/templates/, one per template named in crates/onestop/demo/procedures.json:
national heading, title, addressee, the procedure's form fields as lines to fill in, the
declaration, the place-and-date line and the signature block. Run it again after editing the
demo catalog; the files are committed so the binary embeds them."""

import json
import pathlib
import zipfile
from xml.sax.saxutils import escape

ROOT = pathlib.Path(__file__).resolve().parent.parent / "crates" / "onestop" / "demo"
FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # stable bytes from run to run

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def para(text, bold=False, center=False, italic=False, size=26, right=False):
    align = "center" if center else ("right" if right else "left")
    props = "<w:b/>" if bold else ""
    props += "<w:i/>" if italic else ""
    return (
        f'<w:p><w:pPr><w:jc w:val="{align}"/><w:spacing w:after="120"/></w:pPr>'
        f'<w:r><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
        f'{props}<w:sz w:val="{size}"/></w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
    )


def document(procedure, template):
    body = [
        para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, center=True),
        para("Độc lập - Tự do - Hạnh phúc", bold=True, center=True),
        para("―――――――――――", center=True),
        para(template["name"].split(" (")[0].upper(), bold=True, center=True, size=28),
        para("Kính gửi: " + ("Ủy ban nhân dân xã/phường …………………………" if procedure["level"] == "commune"
                              else "Cơ quan giải quyết thủ tục ……………………………"), center=True),
    ]
    for field in procedure["form"]:
        if field["type"] == "file":
            continue
        if field["type"] == "choice":
            line = f'{field["label"]}: ' + "   ".join("☐ " + o for o in field["options"])
        elif field["type"] == "date":
            line = f'{field["label"]}: ……/……/…………'
        else:
            line = f'{field["label"]}: ' + "…" * 40
        body.append(para(line))
    papers = [p["name"] for p in procedure.get("papers", [])]
    if papers:
        body.append(para("Giấy tờ kèm theo:", bold=True))
        body += [para(f"{i}. {name}") for i, name in enumerate(papers, 1)]
    body += [
        para("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước "
             "pháp luật về cam đoan của mình.", italic=True),
        para("Thanh Hóa, ngày …… tháng …… năm ……", italic=True, right=True),
        para("NGƯỜI KHAI", bold=True, right=True),
        para("(Ký, ghi rõ họ, chữ đệm, tên)", italic=True, right=True),
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + "".join(body)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1701" w:header="0" w:footer="0" w:gutter="0"/>'
        "</w:sectPr></w:body></w:document>"
    )


DOCUMENT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"""


def write(path, procedure, template):
    # Word's own order of parts: readers that sniff the kind (and the platform's paper check)
    # look for `word/` in the third and fourth entries.
    with zipfile.ZipFile(path, "w") as z:
        for name, text in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/_rels/document.xml.rels", DOCUMENT_RELS),
            ("word/document.xml", document(procedure, template)),
        ]:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)


def main():
    out = ROOT / "templates"
    out.mkdir(exist_ok=True)
    for procedure in json.loads((ROOT / "procedures.json").read_text(encoding="utf-8")):
        for template in procedure.get("templates", []):
            write(out / template["file"], procedure, template)


if __name__ == "__main__":
    main()
