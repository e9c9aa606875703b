"""The Conformance Statement (PS3.2 Annex A) generated from the configuration the SCP runs
from: its structure against the standard's template, and a probe of the running SCP."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from dicom_codegen import docbook
from dicom_runtime.net import blocking
from dicom_runtime.net.config import ApplicationEntity, Config, ConfigError, from_mapping, load
from dicom_runtime.net.conformance import ProbeResult, RetrievalCheck, probe, probe_retrieval, statement
from tests.conftest import REPO, mirror_file

EXAMPLE = REPO / "examples" / "archive.toml"
MR = "1.2.840.10008.5.1.4.1.1.4"
CT = "1.2.840.10008.5.1.4.1.1.2"
IMPLICIT = "1.2.840.10008.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"
CHROMIUM = "/usr/bin/chromium"


def _template() -> list[tuple[str, str]]:
    """(number, title) of PS3.2 Annex A's sections that every statement has: placeholders
    ("<1>") and the sections under them are left out, except the AE specification's own."""
    root = etree.parse(str(mirror_file("2020c", 2)), etree.XMLParser(huge_tree=True)).getroot()
    annex = next(c for c in root.iter(docbook.CHAPTER) if c.get(docbook.XML_ID) == "chapter_A")
    found: list[tuple[str, str]] = []

    def walk(element: etree._Element, skip: bool) -> None:
        for section in element.findall(docbook.SECTION):
            number = section.get(docbook.XML_ID, "").removeprefix("sect_")
            title = docbook.title_of(section).strip().rstrip(":.").strip()
            placeholder = "<" in title or "Retired" == title or number.startswith(("A.4.2.2", "A.4.2.3", "A.4.4.1.2."))
            keep = not placeholder and not (skip and not number.startswith("A.4.2.1."))
            if keep:
                found.append((number, title))
            walk(section, skip or placeholder)

    walk(annex, False)
    return found


def _headings(markdown: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2).strip()) for m in re.finditer(r"^#{2,6} (A\.[0-9.]+) (.+)$", markdown, re.M)]


def test_every_section_of_the_annex_a_template_is_present_in_order() -> None:
    template = _template()
    assert len(template) > 60 and template[0] == ("A.0", "Cover Page")
    headings = _headings(statement(load(EXAMPLE)).to_markdown())
    titles = [t.casefold() for _, t in headings]
    position = -1
    for number, title in template:
        later = [i for i, t in enumerate(titles) if t == title.casefold() and i > position]
        assert later, f"{number} {title!r} missing or out of order"
        position = later[0]
    assert ("A.4.2.1", '"ARCHIVE"') in headings and ("A.4.1.2.1", 'Functional Definition of "ARCHIVE"') in headings


def test_the_statement_says_what_the_configuration_says() -> None:
    config = load(EXAMPLE)
    markdown = statement(config).to_markdown()
    assert "| Transfer | CT Image Storage | Yes | Yes |" in markdown
    assert "| Verification | Verification SOP Class | No | Yes |" in markdown
    assert "2.25.234007163342352280788179250500784768237" in markdown and "DICOM_TYPED_02" in markdown
    assert "| Accepted (more are rejected: rejected-transient, local-limit-exceeded) | 16 |" in markdown
    assert "| VIEWER | 127.0.0.1 | 11113 | C-MOVE destination |" in markdown
    assert "| Success | A700 |" not in markdown and "| Failure | A700 | Refused: Out of Resources |" in markdown
    assert "ISO_IR 192" in markdown and "ISO 2022 IR 87" in markdown
    assert "| CTImage | CT Image Storage | 1.2.840.10008.5.1.4.1.1.2 |" in markdown  # an IOD of the generated model
    assert "PS3.4 2020c" in markdown


def _probe(entity: ApplicationEntity, unclaimed: list[tuple[str, str]] | None = None) -> list[ProbeResult]:
    async def main() -> list[ProbeResult]:
        server, folder = entity.server()
        port = await server.start("127.0.0.1", 0)
        try:
            return await probe(entity, "127.0.0.1", port, unclaimed=unclaimed or [])
        finally:
            await server.close()
            if folder is not None:
                folder.close()

    return asyncio.run(main())


def _entity(tmp_path: Path, **changes: object) -> ApplicationEntity:
    entity = load(EXAMPLE).entities[0]
    return dataclasses.replace(entity, storage=tmp_path / "archive", **changes)  # type: ignore[arg-type]


def test_the_probe_finds_no_claim_the_scp_contradicts(tmp_path: Path) -> None:
    entity = _entity(tmp_path)
    results = _probe(entity)
    claimed = [r for r in results if r.claimed]
    assert len(claimed) == len(entity.sop_classes) * len(entity.transfer_syntaxes) and all(r.accepted for r in claimed)
    unclaimed = [r for r in results if not r.claimed]
    assert unclaimed and not any(r.accepted for r in unclaimed)
    assert {r.result for r in unclaimed} == {3, 4}  # abstract syntax / transfer syntaxes not supported
    assert [r for r in results if r.contradicts] == []


def test_a_removed_sop_class_and_transfer_syntax_leave_the_statement_and_are_rejected(tmp_path: Path) -> None:
    full = _entity(tmp_path)
    reduced = dataclasses.replace(
        full, sop_classes=tuple(u for u in full.sop_classes if u != MR), transfer_syntaxes=tuple(t for t in full.transfer_syntaxes if t != IMPLICIT)
    )
    before = statement(Config("Archive", "1", (full,))).to_markdown()
    after = statement(Config("Archive", "1", (reduced,))).to_markdown()
    assert "MR Image Storage" in before and "MR Image Storage" not in after
    assert f"({IMPLICIT})" in before and f"({IMPLICIT})" not in after  # gone from the accepted presentation contexts
    results = _probe(reduced, unclaimed=[(MR, EXPLICIT), (CT, IMPLICIT)])
    removed = {(r.sop_class, r.transfer_syntax): r for r in results if (r.sop_class, r.transfer_syntax) in {(MR, EXPLICIT), (CT, IMPLICIT)}}
    assert removed[(MR, EXPLICIT)].result == 3 and removed[(CT, IMPLICIT)].result == 4
    assert not any(r.accepted for r in removed.values()) and [r for r in results if r.contradicts] == []
    # and the full SCP, probed for the same pairs, accepts them: the probe can tell the difference
    assert all(r.accepted for r in _probe(full) if (r.sop_class, r.transfer_syntax) in {(MR, EXPLICIT), (CT, IMPLICIT)})


def test_the_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: .ci/install installs Debian's chromium")
    page = tmp_path / "statement.html"
    page.write_text(statement(load(EXAMPLE)).to_html(), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert '<h2 id="sect-A-0"><span class="n">A.0</span> Cover Page</h2>' in dom
    assert '<h2 id="sect-A-9"><span class="n">A.9</span> Annexes</h2>' in dom
    assert dom.count("<svg") == 1 and "ARCHIVE</text>" in dom  # the application data flow diagram
    screenshot = tmp_path / "statement.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1280,1600", f"--screenshot={screenshot}", page.as_uri()], capture_output=True, timeout=120)
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def test_the_command_line_and_the_scp_run_from_the_same_file(tmp_path: Path) -> None:
    config = tmp_path / "archive.toml"
    config.write_text(EXAMPLE.read_text().replace("port = 11112", "port = 0"))
    net = [sys.executable, "-m", "dicom_runtime.net.cli"]
    result = subprocess.run([*net, "conformance", str(config), "--probe", "-o", str(tmp_path / "cs.md")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "probe ARCHIVE: 44 presentation contexts asked, 0 contradict the statement" in result.stderr
    assert "probe ARCHIVE as an SCU: 10 claims on C-MOVE/C-GET sub-operations checked, 0 contradicted" in result.stderr
    assert (tmp_path / "cs.md").read_text().startswith("# dicom-typed Example Archive 0.3.0 DICOM Conformance Statement")
    assert not (tmp_path / "archive").exists()  # the probe ran the SCP on a scratch folder, not on the archive
    bad = tmp_path / "bad.toml"
    bad.write_text('[[ae]]\ntitle = "X"\nport = 1\nsop_classes = ["CTImageStorag"]\n')
    failed = subprocess.run([*net, "conformance", str(bad)], capture_output=True, text=True, timeout=60)
    assert failed.returncode == 1
    assert failed.stderr.strip() == f"dicom-net conformance: {bad}: ae[0].sop_classes: 'CTImageStorag' is neither a UID nor a keyword of the generated dictionary"
    scp = subprocess.Popen([*net, "scp", "--config", str(config), "--port", "0", "--host", "127.0.0.1", "--out", str(tmp_path / "served")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert scp.stdout is not None
        line = scp.stdout.readline()
        port = int(re.search(r"listening on 127.0.0.1:(\d+)", line).group(1))  # type: ignore[union-attr]
        with blocking.associate("127.0.0.1", port, called_ae="ARCHIVE") as scu:
            assert scu.echo().is_success
    finally:
        scp.terminate()
        scp.wait(20)


def test_configuration_errors_name_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"<config>: ae\[0\]: unknown setting\(s\) colour"):
        from_mapping({"ae": [{"title": "A", "port": 1, "colour": "red"}]})
    with pytest.raises(ConfigError, match="no \\[\\[ae\\]\\] application entity"):
        from_mapping({})


def _status_tables(markdown: str) -> dict[str, dict[str, str]]:
    """{service: {code: meaning}} from the statement's status tables."""
    found: dict[str, dict[str, str]] = {}
    for service, body in re.findall(r"\*(C-[A-Z]+) status codes returned\*\n\n((?:\|.*\n)+)", markdown):
        rows = [line.strip("|").split(" | ") for line in body.splitlines()[2:]]
        found[service] = {row[1].strip(): row[2].strip() for row in rows}
    return found


def test_each_service_s_status_table_gives_that_service_s_meaning() -> None:
    tables = _status_tables(statement(load(EXAMPLE)).to_markdown())
    assert set(tables) == {"C-ECHO", "C-STORE", "C-FIND", "C-MOVE", "C-GET"}
    assert tables["C-MOVE"]["B000"] == "Warning: Sub-operations Complete - One or more Failures or Warnings"
    assert tables["C-GET"]["B000"] == tables["C-MOVE"]["B000"] and "A801" not in tables["C-GET"]
    assert tables["C-FIND"]["FE00"] == "Cancel: Matching terminated due to Cancel request"
    assert tables["C-MOVE"]["FE00"] == "Cancel: Sub-operations terminated due to Cancel Indication"
    assert "B000" not in tables["C-STORE"] and "C111" not in tables["C-STORE"]  # the example keeps duplicates
    for service, table in tables.items():
        for code, meaning in table.items():
            assert not ("coercion" in meaning.lower() and "sub-operation" in meaning.lower()), (service, code, meaning)
    rejecting = dataclasses.replace(load(EXAMPLE).entities[0], duplicates="reject")
    store = _status_tables(statement(Config("A", "1", (rejecting,))).to_markdown())["C-STORE"]
    # a refused duplicate is a failure (PS3.7 9.1.1.1.9: a Warning says the instance was stored)
    assert "B000" not in store and store["C111"].startswith("Error: Cannot understand")
    # every meaning is PS3.4's wording for that service (the normative text)
    part04 = " ".join(mirror_file("2020c", 4).read_text(encoding="utf-8").split())
    for service in ("C-FIND", "C-MOVE", "C-GET"):
        for code, meaning in tables[service].items():
            if code in ("0122", "0211"):  # PS3.7 C.5's general codes, not in PS3.4's tables
                continue
            words = meaning.split(": ", 1)[1]
            assert words in part04, (service, code, words)


def test_a_9_1_1_lists_only_the_iods_the_ae_handles() -> None:
    markdown = statement(load(EXAMPLE)).to_markdown()
    section = markdown.split("A.9.1.1 Created SOP Instance(s)", 1)[1].split("A.9.1.2", 1)[0]
    assert "| CTImage | CT Image Storage | 1.2.840.10008.5.1.4.1.1.2 |" in section
    assert "EnhancedXAImage" not in section and "Enhanced XA Image Storage" not in section
    listed = re.findall(r"^\| [^|]+ \| [^|]+ \| ([0-9.]+) \|$", section, flags=re.M)
    storage = {u for u in load(EXAMPLE).entities[0].sop_classes if u.startswith("1.2.840.10008.5.1.4.1.1.")}
    assert set(listed) == storage  # MR Image Storage too, although the model has no typed class for it


def test_deep_headings_render_at_least_as_large_as_body_text(tmp_path: Path) -> None:
    """Chromium lays the real statement out; the computed size of every heading, down to
    A.4.2.1.3.1.1 (h6), is compared with a paragraph's."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: .ci/install installs Debian's chromium")
    text = statement(load(EXAMPLE)).to_html()
    probe_script = (
        "<script>const p=parseFloat(getComputedStyle(document.querySelector('p')).fontSize);"
        "const h=[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(e=>e.tagName+'='+getComputedStyle(e).fontSize);"
        "document.body.setAttribute('data-sizes','p='+p+'px;'+h.join(';'));</script></body>"
    )
    page = tmp_path / "statement.html"
    page.write_text(text.replace("</body>", probe_script), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    found = re.search(r'data-sizes="([^"]+)"', dom)
    assert found, dom[-2000:]
    sizes = dict(item.split("=") for item in found.group(1).split(";") if item)  # the last of each tag
    body = float(sizes.pop("p").removesuffix("px"))
    assert "H6" in sizes and "A.4.2.1.3.1.1" in text
    for tag, size in sizes.items():
        assert float(size.removesuffix("px")) >= body, (tag, size, body)


def _probe_retrieval(tmp_path: Path) -> list[RetrievalCheck]:
    return asyncio.run(probe_retrieval(load(EXAMPLE).entities[0], tmp_path / "scratch"))


def test_the_scu_side_holds_what_the_statement_claims(tmp_path: Path) -> None:
    checks = _probe_retrieval(tmp_path)
    assert {(c.service, c.destination) for c in checks} == {
        ("C-MOVE", "every transfer syntax"), ("C-MOVE", "Implicit VR Little Endian only"),
        ("C-GET", "every transfer syntax"), ("C-GET", "Implicit VR Little Endian only"),
    }
    assert len(checks) == 10 and [str(c) for c in checks if c.contradicts] == []


def test_the_scu_side_probe_finds_an_scp_that_does_not_propose_the_instance_s_own_syntax(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A C-MOVE SCU that proposes only the native syntaxes transcodes the deflated instances:
    the probe says so (the statement claims each instance's own syntax is proposed)."""
    from dicom_runtime.net import scp

    monkeypatch.setattr(scp, "_retrieve_proposals", lambda headers: [(uid, (EXPLICIT, IMPLICIT)) for uid in sorted({c for c, _ in headers})])
    wrong = [c for c in _probe_retrieval(tmp_path) if c.contradicts]
    assert wrong and {c.service for c in wrong} == {"C-MOVE"}
    text = "; ".join(str(c) for c in wrong)
    assert "no context proposed for Deflated Explicit VR Little Endian" in text
    assert "Deflated Explicit VR Little Endian instance arrived in Explicit VR Little Endian" in text
