"""A stand-in for dicom.nema.org: editions of small DocBook parts served over HTTP on 127.0.0.1.

Built from the synthetic parts of :mod:`tests.fixtures.docbook` (and a small PS3.4
made here), so it needs nothing outside the repository. Faults can be injected per
file (404, a server that never answers, a body cut short, an HTML page with status
200, a gzip-encoded body, a redirect loop), and every request is logged.

Run it by hand (for a terminal session of ``dicom-codegen update``)::

    python3 -m tests.generator.fake_nema --port 8765 --pad-mb 24 --rate-mb 12
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.fixtures.docbook import DEFAULT_A_1, HEAD, SLICE_6_1, part03_slice, part06, part07, table

LAST_MODIFIED = "Mon, 01 Dec 2025 00:00:00 GMT"
CURRENT = "2025d"
PREVIOUS = "2025c"

EXTRA_6_1 = [
    ("(0008,0018)", "SOP Instance UID", "SOPInstanceUID", "UI", "1", ""),
    ("(0008,0052)", "Query/Retrieve Level", "QueryRetrieveLevel", "CS", "1", ""),
    ("(0020,000D)", "Study Instance UID", "StudyInstanceUID", "UI", "1", ""),
    ("(0020,000E)", "Series Instance UID", "SeriesInstanceUID", "UI", "1", ""),
]
#: What 2025d adds to the dictionary (a data element, so a new ``tags`` constant).
NEW_IN_CURRENT = ("(0010,2160)", "Ethnic Group", "EthnicGroup", "SH", "1", "")
_FEMALE = "<varlistentry><term>F</term><listitem><para>female</para></listitem></varlistentry>"
_OTHER = "<varlistentry><term>O</term><listitem><para>other</para></listitem></varlistentry>"


def part04(edition: str) -> str:
    """A tiny PS3.4: one Storage SOP class and the Query/Retrieve key tables."""
    sop = table(
        "table_B.5-1",
        ("SOP Class Name", "SOP Class UID", "IOD Specification (defined in PS3.3)"),
        [("CT Image Storage", "1.2.840.10008.5.1.4.1.1.2", "CT Image IOD")],
    )
    header = ("Attribute Name", "Tag", "Type")
    keys = {
        "table_C.6-1": [("Patient's Name", "(0010,0010)", "R"), ("Patient ID", "(0010,0020)", "U")],
        "table_C.6-2": [("Study Instance UID", "(0020,000D)", "U")],
        "table_C.6-3": [("Series Instance UID", "(0020,000E)", "U")],
        "table_C.6-4": [("SOP Instance UID", "(0008,0018)", "U")],
        "table_C.6-5": [("Study Instance UID", "(0020,000D)", "U"), ("Patient's Name", "(0010,0010)", "R")],
    }
    query = "".join(table(table_id, header, rows) for table_id, rows in keys.items())
    return (
        HEAD.format(part=4, edition=edition).replace("- Test", "- Service Class Specifications")
        + '<chapter label="B" xml:id="chapter_B"><title>Storage Service Class (Normative)</title>'
        + f'<section xml:id="sect_B.5"><title>Standard SOP Classes</title>{sop}</section></chapter>\n'
        + '<chapter label="C" xml:id="chapter_C"><title>Query/Retrieve Service Class (Normative)</title>'
        + f'<section xml:id="sect_C.6"><title>Information Models</title>{query}</section></chapter>\n'
        + "</book>\n"
    )


def edition_parts(edition: str, *, newer: bool = False, pad: int = 0) -> dict[int, bytes]:
    """Parts 3, 4, 6 and 7 of ``edition``. ``newer``: with :data:`NEW_IN_CURRENT` and PS3.3's
    Patient's Sex enumerated value F replaced by O (a narrowing mypy reports).
    ``pad``: bytes of XML comment added before ``</book>`` (large files for a progress bar)."""
    rows = [*SLICE_6_1, *EXTRA_6_1, *([NEW_IN_CURRENT] if newer else [])]
    ps3 = part03_slice(edition)
    if newer:
        assert _FEMALE in ps3
        ps3 = ps3.replace(_FEMALE, _OTHER)
    texts = {3: ps3, 4: part04(edition), 6: part06(edition=edition, rows_6_1=rows, uids=DEFAULT_A_1), 7: part07(edition=edition)}
    parts = {}
    for part, text in texts.items():
        if pad:
            filler = "<!-- " + ("padding " * (pad // 8 + 1))[:pad] + " -->\n"
            text = text.replace("</book>\n", filler + "</book>\n")
        parts[part] = text.encode("utf-8")
    return parts


def url_path(edition: str, part: int) -> str:
    return f"/{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"


@dataclass
class FakeNema:
    """Editions by URL path; ``faults`` maps a URL path to one of :data:`FAULTS`."""

    files: dict[str, bytes] = field(default_factory=dict)
    current: str = CURRENT
    faults: dict[str, str] = field(default_factory=dict)
    rate: float = 0.0  # bytes per second; 0: as fast as possible
    conditional: bool = True  # answer If-None-Match / If-Modified-Since with 304
    log: list[tuple[str, int]] = field(default_factory=list)  # (path, status)
    base: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)

    def add_edition(self, edition: str, parts: dict[int, bytes]) -> None:
        for part, data in parts.items():
            self.files[url_path(edition, part)] = data

    def url(self, edition: str, part: int) -> str:
        return self.base + url_path(edition, part)

    def statuses(self, path_part: str) -> list[int]:
        return [status for path, status in self.log if path_part in path]


FAULTS = (
    "404", "hang", "stall", "short", "html200", "gzip", "gzip-raw", "redirect-loop", "wrong-edition", "wrong-part", "not-docbook",
)


def _handler(fake: FakeNema) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output clean; requests are in fake.log

        def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
            fake.log.append((self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self._write(body)

        def _write(self, body: bytes) -> None:
            if fake.rate <= 0:
                self.wfile.write(body)
                return
            step = max(1, int(fake.rate / 20))
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                time.sleep(0.05)

        def do_GET(self) -> None:  # noqa: N802
            path = self.path
            if "/current/" in path:
                path = path.replace("/current/", f"/{fake.current}/", 1)
            fault = fake.faults.get(self.path) or fake.faults.get(path)
            body = fake.files.get(path)
            if fault == "hang":
                fake.log.append((self.path, 0))
                fake._stop.wait(30)
                self.close_connection = True
                return
            if fault == "redirect-loop":
                self._send(302, {"Location": self.path, "Content-Length": "0"})
                return
            if fault == "html200":
                page = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Service unavailable</body></html>\n"
                self._send(200, {"Content-Type": "text/html", "Content-Length": str(len(page))}, page)
                return
            if body is None or fault == "404":
                page = b"not found\n"
                self._send(404, {"Content-Type": "text/plain", "Content-Length": str(len(page))}, page)
                return
            if fault == "not-docbook":
                body = b'<?xml version="1.0"?>\n<error><code>503</code><message>try later</message></error>\n'
            if fault == "wrong-part" and body is not None:
                body = fake.files[path.replace("part03", "part04")]
            if fault == "wrong-edition":
                body = body.replace(b"2016c", b"2099z").replace(fake.current.encode(), b"2099z")
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            asked_tag, asked_date = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            unchanged = asked_tag == etag or (asked_tag is None and asked_date == LAST_MODIFIED)
            if fake.conditional and unchanged:
                self._send(304, {"ETag": etag, "Last-Modified": LAST_MODIFIED, "Content-Length": "0"})
                return
            headers = {"Content-Type": "application/xml", "ETag": etag, "Last-Modified": LAST_MODIFIED}
            if fault == "gzip":
                packed = gzip.compress(body)
                self._send(200, {**headers, "Content-Encoding": "gzip", "Content-Length": str(len(packed))}, packed)
                return
            if fault == "gzip-raw":
                body = gzip.compress(body)
            headers["Content-Length"] = str(len(body))
            if fault == "stall":  # half the body, then silence with the connection open
                fake.log.append((self.path, 200))
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                fake._stop.wait(30)
                self.close_connection = True
                return
            if fault == "short":
                fake.log.append((self.path, 200))
                self.send_response(200)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.close_connection = True
                return
            self._send(200, headers, body)

    return Handler


@contextmanager
def serving(fake: FakeNema) -> Iterator[FakeNema]:
    """Serve ``fake`` on 127.0.0.1, an ephemeral port, in a thread; ``fake.base`` is its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}/medical/dicom"
    prefix = "/medical/dicom"
    fake.files = {(k if k.startswith(prefix) else prefix + k): v for k, v in fake.files.items()}
    fake.faults = {(k if k.startswith(prefix) else prefix + k): v for k, v in fake.faults.items()}
    try:
        yield fake
    finally:
        fake._stop.set()
        server.shutdown()
        server.server_close()


def standard_site(*, pad: int = 0, rate: float = 0.0) -> FakeNema:
    """The default editions (PS3.3 2016c, PS3.4 2020c, PS3.6 2015b, PS3.7 2020c: complete parts
    of their own, whose bytes differ from the offline mirror's) and 2025c, 2025d (= current)."""
    fake = FakeNema(rate=rate)
    for edition in ("2015b", "2016c", "2020c"):
        fake.add_edition(edition, edition_parts(edition, pad=pad))
    fake.add_edition(PREVIOUS, edition_parts(PREVIOUS, pad=pad))
    fake.add_edition(CURRENT, edition_parts(CURRENT, newer=True, pad=pad))
    return fake


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--pad-mb", type=float, default=0.0, help="make each file this much larger")
    parser.add_argument("--rate-mb", type=float, default=0.0, help="MB per second per download (0: unlimited)")
    args = parser.parse_args()
    fake = standard_site(pad=int(args.pad_mb * 1e6), rate=args.rate_mb * 1e6)
    prefix = "/medical/dicom"
    fake.files = {prefix + k: v for k, v in fake.files.items()}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), _handler(fake))
    server.daemon_threads = True
    print(f"fake NEMA at http://127.0.0.1:{args.port}{prefix} (current = {fake.current})", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
