"""A structure-aware mutation fuzzer of the generator's input, seeded (the same mutants
every run: mutant N of PS3.P draws from ``random.Random("P-N")``).

Each mutant takes parts of the standard (the small synthetic parts of
tests/fixtures/docbook.py, or the offline files in the slow test), applies a few
mutations a DocBook table can suffer (rows, cells and tables deleted or duplicated, cells
emptied or given odd Tag / VR / VM / Type / name text, spans that are not numbers,
``>`` levels that skip a depth, an Include of a missing table or of its own, repeated
``xml:id``, thousands of rows) or its bytes can (cut short, a byte changed, a DOCTYPE of
entities, another encoding), runs ``dicom-codegen generate --out`` in-process and
classifies the run:

* OK: exit status 0 and a complete output folder;
* a clean error: exit status 2, one ``error:`` line naming the mutated file, the output
  folder as it was and nothing left beside it;
* anything else (an exception, a traceback, a hang past the alarm, a half-written
  folder) fails the test, naming the mutant and its mutations.

Hypothesis is not used: its derandomized search draws the first table, row and cell so
often that 100 mutants of the offline files found none of the crashes that 40 uniformly
drawn ones find. Each crash class it found has a reproducer of its own in test_hostile_xml.py.
"""

from __future__ import annotations

import copy
import os
import random
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
from lxml import etree

from dicom_codegen import cli
from tests.conftest import mirror_file
from tests.fixtures.docbook import SLICE_6_1, part03_slice, part06, part07

#: Mutants per run: FUZZ_EXAMPLES raises them for a longer hunt (the defaults keep the fast
#: test near 20 s and each part of the slow one near two minutes on a quiet machine).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
NS = "{http://docbook.org/ns/docbook}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"

ODD = {
    "Tag": ["(0010,00xx)", "(gggg,eeee)", "0010,0010", "(0010,\u00a00010)", "(0010,0010) (0010,0020)", "", "(0010,0010"],
    "VR": ["See Note 2", "OB or OW", "US or SS or OW", "OV", "XX", "", "US or"],
    "VM": ["1-n", "2-2n", "n", "1-3 or 6", "", "0", "3-1", "99999999999999999999"],
    "Type": ["1C/2", "3 ", "2c", "", "-", "4"],
    "Attribute Name": [">>>Deep", ">", "", "Include", "\u200b"],
    "Keyword": ["class", "None", "Two Words", "", "x" * 300],
    "": ["[/b]", "\u00a0", "&amp;", "1.2..3", "C - Required if", "M", "U", "RET"],
}
SPANS = ["x", "0", "-1", "1000000", "2", "", "1.5", "3"]
OPS = (
    "delete row", "duplicate row", "delete cell", "duplicate cell", "empty cell", "odd text", "odd text",
    "odd text", "odd text", "odd heading", "span", "span", "skip a depth", "include a missing table", "include itself", "delete table", "duplicate table",
    "repeat an xml:id", "many rows", "delete thead", "delete tbody", "empty row",
)
BYTE_OPS = ("cut short", "change a byte", "entities", "latin-1", "empty")


def _header(table: etree._Element) -> list[str]:
    thead = table.find(NS + "thead")
    rows = thead.findall(NS + "tr") if thead is not None else []
    return [" ".join("".join(str(t) for t in c.itertext()).split()) for c in rows[-1]] if rows else []


def _set_text(cell: etree._Element, text: str) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.text = None
    etree.SubElement(cell, NS + "para").text = text


def _tables(root: etree._Element) -> list[etree._Element]:
    return [t for t in root.iter(NS + "table") if t.find(NS + "tbody") is not None]


def mutate(root: etree._Element, rnd: random.Random) -> str:
    """Apply one mutation to a table of ``root``; what was done, for the report."""
    tables = _tables(root)
    if not tables:
        return "no table"
    table: etree._Element = tables[rnd.randint(0, len(tables) - 1)]
    op = rnd.choice(OPS)
    body = table.find(NS + "tbody")
    assert body is not None
    rows = body.findall(NS + "tr")
    done = f"{op} in {table.get(XML_ID)}"
    if not rows:
        return done + " (no rows)"
    row: etree._Element = rows[rnd.randint(0, len(rows) - 1)]
    cells = list(row.iterchildren(NS + "td", NS + "th"))
    column = rnd.randint(0, max(0, len(cells) - 1))
    header = _header(table)
    if op == "delete row":
        body.remove(row)
    elif op == "duplicate row":
        row.addnext(copy.deepcopy(row))
    elif op == "many rows":
        for _ in range(3000):
            row.addnext(copy.deepcopy(row))
    elif op == "empty row":
        for cell in cells:
            row.remove(cell)
    elif op == "delete table":
        parent = table.getparent()
        if parent is not None:
            parent.remove(table)
    elif op == "duplicate table":
        table.addnext(copy.deepcopy(table))
    elif op == "repeat an xml:id":
        other: etree._Element = tables[rnd.randint(0, len(tables) - 1)]
        other.set(XML_ID, table.get(XML_ID) or "table_X")
    elif op == "delete thead" and (thead := table.find(NS + "thead")) is not None:
        table.remove(thead)
    elif op == "delete tbody":
        table.remove(body)
    elif op in ("include a missing table", "include itself"):
        target = "table_NOPE-1" if op == "include a missing table" else table.get(XML_ID) or ""
        include = etree.Element(NS + "tr")
        first = etree.SubElement(include, NS + "td", colspan="3")
        para = etree.SubElement(first, NS + "para")
        para.text = ">" * rnd.randint(0, 2) + "Include "
        etree.SubElement(para, NS + "xref", linkend=target)
        etree.SubElement(etree.SubElement(include, NS + "td"), NS + "para")
        row.addnext(include)
    elif op == "odd heading":
        headings = [c for tr in table.iter(NS + "tr") if tr.getparent() is not body for c in tr]
        if headings:
            text = rnd.choice(["[/b]", "", "Tag", "VR", "Type", "Attribute Name"])
            _set_text(headings[rnd.randint(0, len(headings) - 1)], text)
            done += f" {text!r}"
    elif not cells:
        return done + " (no cells)"
    elif op == "delete cell":
        row.remove(cells[column])
    elif op == "duplicate cell":
        cells[column].addnext(copy.deepcopy(cells[column]))
    elif op == "empty cell":
        _set_text(cells[column], "")
    elif op == "span":
        name, value = rnd.choice(["colspan", "rowspan"]), rnd.choice(SPANS)
        cells[column].set(name, value)
        done += f" {name}={value!r}"
    elif op == "skip a depth":
        _set_text(cells[0], ">>>" + "".join(str(t) for t in cells[0].itertext()).strip())
    else:  # odd text, by what the column is headed
        heading = header[column] if column < len(header) else ""
        text = rnd.choice(ODD.get(heading, ODD[""]))
        _set_text(cells[column], text)
        done += f" column {column} {text!r}"
    return done


_LAUGHS = "<!DOCTYPE book [<!ENTITY a0 'lol'>" + "".join(
    f"<!ENTITY a{i} '{('&a%d;' % (i - 1)) * 10}'>" for i in range(1, 12)
) + "]>"


def mutate_bytes(octets: bytes, rnd: random.Random) -> tuple[bytes, str]:
    op = rnd.choice(BYTE_OPS)
    if op == "cut short":
        at = rnd.randint(0, len(octets) - 1)
        return octets[:at], f"cut short at byte {at}"
    if op == "change a byte":
        at = rnd.randint(0, len(octets) - 1)
        value = rnd.choice([0x00, 0xFF, 0x3C, 0x26, 0xC3])
        return octets[:at] + bytes([value]) + octets[at + 1 :], f"byte {at} = {value:#04x}"
    if op == "entities":
        text = octets.decode("utf-8")
        return text.replace("<book", _LAUGHS + "<book", 1).replace("</title>", "&a11;</title>", 1).encode(), op
    if op == "latin-1":
        return octets.decode("utf-8").encode("latin-1", errors="replace").replace(b"Name", b"N\xe4me", 1), op
    return b"", op


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class Hang(Exception):
    pass


@contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_mutant(parts: dict[int, bytes], mutated: int, capsys: pytest.CaptureFixture[str], timeout: int = 120) -> str:
    """Generate from ``parts`` into a fresh ``--out``; "OK" or "error", else an AssertionError."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        root = Path(scratch)
        standard = root / "standard"
        (standard / "2099e").mkdir(parents=True)
        for number, data in parts.items():
            (standard / "2099e" / f"part{number:02d}.xml").write_bytes(data)
        work = root / "work"
        out = work / "out"
        (out / "dicom_model").mkdir(parents=True)
        (out / "dicom_model" / "tags.py").write_text("# the committed output\n", encoding="utf-8")
        before = _snapshot(out)
        options = [f"--ps{n}=2099e" for n in parts]
        capsys.readouterr()
        with alarm(timeout):
            status = cli.main(["generate", "--standard", str(standard), *options, "--out", str(out), "-q"])
        err = capsys.readouterr().err
        assert sorted(p.name for p in work.iterdir()) == ["out"], "a staging folder was left"
        if status == 0:
            assert (out / "model.json").is_file() and (out / "dicom_model" / "__init__.py").is_file()
            return "OK"
        assert status == 2, (status, err)
        mutant = standard / "2099e" / f"part{mutated:02d}.xml"
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and lines[0].startswith(f"error: {mutant}"), err
        assert "Traceback" not in err
        assert _snapshot(out) == before, "the output folder changed"
        return "error"


def _mutant(octets: bytes, rnd: random.Random, what: list[str]) -> bytes:
    if rnd.randint(0, 9) == 0:
        mutated, done = mutate_bytes(octets, rnd)
        what.append(done)
        return mutated
    root = etree.fromstring(octets, etree.XMLParser(huge_tree=True, collect_ids=False))
    for _ in range(rnd.randint(1, 3)):
        what.append(mutate(root, rnd))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


# --- the small synthetic parts: fast, run always ----------------------------------------


SMALL = {3: part03_slice().encode(), 6: part06(rows_6_1=SLICE_6_1).encode(), 7: part07().encode()}


def _fuzz(parts: dict[int, bytes], part: int, seed: int, capsys: pytest.CaptureFixture[str]) -> str:
    """Mutant ``seed`` of ``part`` (random.Random(seed): the same mutations every run)."""
    rnd = random.Random(f"{part}-{seed}")
    what: list[str] = []
    mutants = dict(parts)
    mutants[part] = _mutant(parts[part], rnd, what)
    try:
        return run_mutant(mutants, part, capsys)
    except BaseException as exc:
        raise AssertionError(f"PS3.{part} mutant {seed} ({'; '.join(what)}): {type(exc).__name__}: {exc}") from exc


def test_fuzz_the_small_parts(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes: dict[str, int] = {}
    for seed in range(EXAMPLES or 150):
        for part in sorted(SMALL):
            outcome = f"PS3.{part} {_fuzz(SMALL, part, seed, capsys)}"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # the mutants reach both ends: some still generate, some are refused
    assert all(outcomes.get(f"PS3.{part} {end}") for part in SMALL for end in ("OK", "error")), outcomes


# --- the offline files of the standard: slow --------------------------------------------


OFFLINE = {3: "2016c", 4: "2020c", 6: "2015b", 7: "2020c"}
NEEDS = {3: (3, 6), 4: (4, 6), 6: (6,), 7: (7,)}


@pytest.fixture(scope="module")
def offline() -> dict[int, bytes]:
    return {part: mirror_file(edition, part).read_bytes() for part, edition in OFFLINE.items()}


@pytest.mark.slow
@pytest.mark.parametrize("part", sorted(OFFLINE))
def test_fuzz_the_offline_files(part: int, offline: dict[int, bytes], capsys: pytest.CaptureFixture[str]) -> None:
    parts = {n: offline[n] for n in NEEDS[part]}
    for seed in range(EXAMPLES or 40):
        _fuzz(parts, part, seed, capsys)
