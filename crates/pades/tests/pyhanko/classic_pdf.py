"""A hand-written one-page PDF with a classic xref table (as Word and older tools write), for
the fixture scripts beside this file."""


def classic_pdf(version=b"1.7", content=None):
    """The PDF's bytes: header `%PDF-<version>`, a catalog, a page tree and one A4 page, whose
    content stream is `content` when given."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>" % (
        b" /Contents 4 0 R" if content is not None else b"")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>", page]
    if content is not None:
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    body, offsets = b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % version, []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body
