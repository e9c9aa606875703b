"""dicom-dump: dcmdump-like output, and a clear error with exit 1 on a bad file."""

from __future__ import annotations

import math
import os
import re
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pydicom
import pydicom.data
import pytest

from dicom_runtime.codec import decode_iso2022, python_codec
from dicom_runtime.fileformat import split_file
from tests.runtime.test_corpus import BROKEN, FILES

from dicom_runtime.dump import main
from dicom_runtime.typed import write
from tests.test_iod_classes import _ct


def test_dump_prints_tag_vr_value_and_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ct.dcm"
    write(_ct(), path)
    assert main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "(0010,0010) PN [Doe^Jane]" in out
    assert "(0028,0010) US 512" in out and "Rows" in out
    assert "# Used TransferSyntax: Explicit VR Little Endian" in out
    ours = {line.split()[0] for line in out.splitlines() if line.startswith("(")}
    theirs = subprocess.run(["dcmdump", str(path)], capture_output=True, text=True).stdout
    listed = {line.split()[0].upper().replace("X", "x") for line in theirs.splitlines() if line.startswith("(")}
    assert {t.upper() for t in ours} == {t.upper() for t in listed}  # the same elements as dcmdump's


def test_a_bad_file_exits_1_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(bytes(128) + b"DICM" + b"\x02\x00\x10\x00UI\xff\x7f1.2")
    result = subprocess.run(
        [sys.executable, "-m", "dicom_runtime.dump", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"dicom-dump: {bad}: byte ")


# --- element by element against dcmtk's dcmdump, for every file of pydicom's corpus -------------

LINE = re.compile(
    r"^(?P<indent> *)\((?P<tag>[0-9a-f]{4},[0-9a-f]{4})\) (?P<vr>\S\S) (?P<value>.*?) *"
    r"# +(?P<length>u/l|\d+), *(?P<vm>\d+) (?P<name>.*)$"
)


@dataclass(frozen=True)
class Line:
    depth: int
    tag: str
    vr: str
    length: str
    vm: str
    value: str


def _parse(text: str) -> list[Line]:
    found = []
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            found.append(Line(len(match["indent"]) // 2, match["tag"], match["vr"], match["length"], match["vm"], match["value"]))
    return found


def _their_text(raw: bytes, codecs: list[str]) -> str:
    """A dcmdump line's bytes as text: dcmdump prints values as the bytes of the file, so
    bytes outside ASCII are decoded by the Specific Character Set in force (its Python codec)."""
    if raw.isascii() and b"\x1b" not in raw:
        return raw.decode("ascii")
    codec = codecs[-1] if codecs else "latin_1"
    if b"\x1b" in raw:
        return decode_iso2022(raw, codec)
    return raw.decode(codec, errors="replace")


def _dcmdump(path: Path, tmp_path: Path) -> tuple[int, list[Line]]:
    command = ["dcmdump", "-Un", "+Ep", str(path)]
    if path.name in IMPLICIT_BODY:
        # dcmdump reads the data set by the meta's transfer syntax; it reads it as the
        # Implicit VR data set it is only alone (-f -ti): its meta lines are left out
        file = path.read_bytes()
        _, start = split_file(file)
        (tmp_path / "body").write_bytes(file[start:])
        command = ["dcmdump", "-Un", "+Ep", "-f", "-ti", str(tmp_path / "body")]
    run = subprocess.run(command, capture_output=True, timeout=120)
    lines: list[Line] = []
    codecs: list[tuple[int, str]] = []  # (depth, codec) of the Specific Character Sets in force
    for raw in run.stdout.splitlines():
        parsed = _parse(_their_text(raw, [c for _, c in codecs]))
        if not parsed:
            continue
        line = parsed[0]
        codecs = [(d, c) for d, c in codecs if d <= line.depth and not (d == line.depth and line.tag == "0008,0005")]
        if line.tag == "0008,0005" and line.value.startswith("["):
            codecs.append((line.depth, python_codec(line.value.strip("[]").split("\\"))))
            lines.append(_parse(raw.decode("latin_1"))[0])
            continue
        lines.append(line)
    return run.returncode, lines


def _same_number(theirs: str, ours: str, vr: str) -> bool:
    """FL and FD values shown with other digits: the same float (float32 for FL)."""
    if vr not in ("FL", "FD", "OF", "OD"):
        return False
    try:
        xs = [float(v) for v in theirs.split("\\")]
        ys = [float(v) for v in ours.split("\\")]
    except ValueError:
        return False
    if vr in ("FL", "OF"):  # the same float32
        xs = [struct.unpack("<f", struct.pack("<f", x))[0] for x in xs]
        ys = [struct.unpack("<f", struct.pack("<f", y))[0] for y in ys]
        return xs == ys
    # FD: dcmdump's last digits are not always the double's (0.026228787661969974 for the
    # double 0.0262287876619699787...; ours, %.17g, reads back as that double): a few ulps
    return len(xs) == len(ys) and all(math.isclose(x, y, rel_tol=4e-16) for x, y in zip(xs, ys))


#: Where dicom-dump differs from dcmdump on purpose, and why. Each is checked line by line.
DOCUMENTED = {
    "float-digits": "an FL or FD value: dcmdump prints some floats with other digits (179.0357971 for our "
    "179.035797, %.9g: the same float32; an FD's 17th digit off by a few units of its last place)",
    "unknown-vr": "an element of Implicit VR that no dictionary knows (private): dcmdump shows '??', we 'UN'; "
    "of an odd length, dcmdump adds a pad byte as it reads (length+1), we show the file's length",
}
#: Damaged files (tests/runtime/test_corpus.py BROKEN) are compared up to the damage: we stop
#: there, print the error and exit 1; dcmdump +Ep recovers in its own way or prints nothing.


def _difference(theirs: Line | None, ours: Line | None, implicit: bool) -> str | None:
    """None where the lines agree, else the DOCUMENTED reason that covers it, else 'undocumented'."""
    if theirs is not None and ours is not None:
        if (theirs.depth, theirs.tag, theirs.vr, theirs.length, theirs.vm) == (ours.depth, ours.tag, ours.vr, ours.length, ours.vm):
            if theirs.value == ours.value:
                return None
            return "float-digits" if _same_number(theirs.value, ours.value, ours.vr) else "undocumented"
        same_place = (theirs.depth, theirs.tag, theirs.vm) == (ours.depth, ours.tag, ours.vm)
        if implicit and same_place and theirs.vr == "??" and ours.vr == "UN" and _odd_or_same(theirs, ours):
            return "unknown-vr"
    return "undocumented"


def _odd_or_same(theirs: Line, ours: Line) -> bool:
    if theirs.length == ours.length:
        return True
    return ours.length.isdigit() and int(ours.length) % 2 == 1 and theirs.length == str(int(ours.length) + 1)


#: A damaged file of which dcmdump prints nothing, even with +Ep (truncated in a sequence).
SILENT = {"rtplan_truncated.dcm"}
#: A damaged file of which nothing is read: a stray byte before the first element.
NOT_READ = {"no_meta.dcm"}
#: A file whose meta names an explicit VR transfer syntax while its data set is implicit VR.
IMPLICIT_BODY = {"SC_rgb_jpeg.dcm"}
NOT_DICOM = {"crayons.icc", "README", "rtplan.dump", "rtstruct.dump"}
DUMPED = [f for f in FILES if f.name not in NOT_DICOM]


@pytest.mark.parametrize("path", DUMPED, ids=lambda p: p.name)
def test_dump_equals_dcmdump_element_by_element(path: Path, tmp_path: Path) -> None:
    status, theirs = _dcmdump(path, tmp_path)
    run = subprocess.run([sys.executable, "-m", "dicom_runtime.dump", str(path)], capture_output=True, timeout=120)
    ours = _parse(run.stdout.decode("utf-8"))
    if path.name in IMPLICIT_BODY:
        ours = [line for line in ours if not line.tag.startswith("0002,")]
    implicit = "# Used TransferSyntax: Implicit VR" in run.stdout.decode("utf-8")
    reasons = []
    for index in range(max(len(theirs), len(ours))):
        a = theirs[index] if index < len(theirs) else None
        b = ours[index] if index < len(ours) else None
        reason = _difference(a, b, implicit)
        if reason is not None:
            reasons.append((index, reason, a, b))
    if run.returncode != 0:
        # a damaged file: every element before the damage printed, as dcmdump's, then the error
        assert path.name in BROKEN and run.returncode == 1, run.stderr
        assert run.stderr.startswith(b"dicom-dump: ") and str(path).encode() in run.stderr
        if path.name in NOT_READ:
            assert not ours and b"not a DICOM file" in run.stderr
            return
        if not theirs:
            assert path.name in SILENT and ours  # dcmdump prints nothing of it, even with +Ep
            return
        # a sequence read up to its damaged item shows fewer items and a shorter length
        partial = {i for i, _, a, b in reasons if a and b and a.tag == b.tag and a.vr == b.vr == "SQ"}
        first = next((i for i, reason, _, _ in reasons if reason == "undocumented" and i not in partial), len(ours))
        assert first >= len(ours) - 3, reasons[:3]  # equal up to the damage (its item's end lines aside)
        return
    assert status == 0 or path.name in BROKEN
    assert ours, run.stderr
    assert [r for r in reasons if r[1] == "undocumented"] == []




def test_the_comparison_reports_a_changed_value() -> None:
    same = Line(0, "0010,0010", "PN", "8", "1", "[Doe^Jane]")
    assert _difference(same, same, False) is None
    assert _difference(same, Line(0, "0010,0010", "PN", "8", "1", "[Doe^John]"), False) == "undocumented"
    assert _difference(same, Line(0, "0010,0010", "PN", "10", "1", "[Doe^Jane]"), False) == "undocumented"
    assert _difference(same, None, False) == "undocumented"
    shortened = Line(0, "0008,0008", "CS", "22", "3", "[ORIGINAL\\PRI...")
    assert _difference(shortened, Line(0, "0008,0008", "CS", "22", "3", "[ORIGINAL\\PR..."), False) == "undocumented"
    floats = Line(0, "0043,104e", "FL", "4", "1", "179.0357971")
    assert _difference(floats, Line(0, "0043,104e", "FL", "4", "1", "179.035797"), False) == "float-digits"
    assert _difference(floats, Line(0, "0043,104e", "FL", "4", "1", "179.0359"), False) == "undocumented"


CORPUS = Path(pydicom.data.__file__).parent
TEST_FILES = CORPUS / "test_files"
CHARSETS = CORPUS / "charset_files"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dicom_runtime.dump", *args], capture_output=True, timeout=120, env=env)


def test_lengths_are_the_lengths_in_the_file() -> None:
    out = _run(str(TEST_FILES / "CT_small.dcm")).stdout.decode()
    lines = {line.tag: line for line in _parse(out)}
    assert (lines["0002,0000"].length, lines["0002,0000"].value) == ("4", "192")
    assert (lines["0028,0010"].length, lines["0028,0010"].value) == ("2", "128")
    assert lines["0002,0002"].length == "26"  # UI padded with its NUL: 25 characters, 26 bytes


def test_a_truncated_file_prints_what_was_read_then_the_error() -> None:
    run = _run(str(TEST_FILES / "MR_truncated.dcm"))
    assert run.returncode == 1
    printed = _parse(run.stdout.decode())
    assert printed and printed[-1].tag == "0028,1051"  # the last element before Pixel Data
    assert run.stderr.decode().startswith(f"dicom-dump: {TEST_FILES / 'MR_truncated.dcm'}: byte ")
    assert "(7FE0,0010)" in run.stderr.decode()


def test_a_file_that_is_not_dicom_says_so(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("Test Files used for testing pydicom\n" * 10)
    run = _run(str(text))
    assert run.returncode == 1 and run.stdout == b""
    assert run.stderr.decode() == f"dicom-dump: {text}: byte 0: not a DICOM file: no preamble and 'DICM', no File Meta Information, and the first bytes are not a data element\n"


def test_several_files_filters_and_json(tmp_path: Path) -> None:
    ct, rtplan = str(TEST_FILES / "CT_small.dcm"), str(TEST_FILES / "rtplan.dcm")
    both = _run(ct, rtplan).stdout.decode()
    assert f"# dicom-dump (1/2): {ct}" in both and f"# dicom-dump (2/2): {rtplan}" in both
    only = _parse(_run(ct, "--tag", "(0010,0010)", "--keyword", "Rows").stdout.decode())
    assert [line.tag for line in only] == ["0010,0010", "0028,0010"]
    nested = _parse(_run(rtplan, "--keyword", "BeamNumber").stdout.decode())
    assert {line.tag for line in nested} == {"300a,00b0", "fffe,e000", "fffe,e00d", "fffe,e0dd", "300a,00c0"}
    import json

    model = json.loads(_run(ct, "--format", "json").stdout)
    theirs = pydicom.dcmread(ct).to_json_dict()
    assert model["00100010"] == theirs["00100010"] and model["00280010"] == theirs["00280010"]
    assert set(model) == {k for k in theirs}
    several = json.loads(_run(ct, rtplan, "--format", "json", "--keyword", "PatientName").stdout)
    assert several == [
        {"00100010": pydicom.dcmread(p).to_json_dict()["00100010"]} for p in (ct, rtplan)
    ]


def test_max_value_length_and_version() -> None:
    ct = str(TEST_FILES / "CT_small.dcm")
    short = {line.tag: line for line in _parse(_run(ct, "--max-value-length", "10").stdout.decode())}
    assert short["0008,0008"].value == "[ORIGIN..."
    full = {line.tag: line for line in _parse(_run(ct, "--max-value-length", "0").stdout.decode())}
    assert full["7fe0,0010"].value.count("\\") == 32768 // 2 - 1 and not full["7fe0,0010"].value.endswith("...")
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.decode().startswith("dicom-dump ")


def test_a_closed_pipe_and_a_narrow_terminal_encoding_end_quietly() -> None:
    command = f"{sys.executable} -m dicom_runtime.dump {TEST_FILES / 'CT_small.dcm'} | head -1"
    piped = subprocess.run(["bash", "-c", command], capture_output=True, timeout=120)
    assert b"Traceback" not in piped.stderr and b"BrokenPipeError" not in piped.stderr
    # the exit status is that of the files read, not of the reader leaving: it was 1 when the
    # pipe closed before the last file (several files), 0 when after (one), as `set -o pipefail` saw
    several = " ".join(str(TEST_FILES / n) for n in ("CT_small.dcm", "MR_small.dcm", "rtdose.dcm") * 5)
    piped = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m dicom_runtime.dump {several} | head -1"], capture_output=True, timeout=120)
    assert piped.returncode == 0 and b"Traceback" not in piped.stderr, piped.stderr
    env = dict(os.environ, PYTHONIOENCODING="ascii")
    run = _run(str(CHARSETS / "chrH31.dcm"), env=env)
    assert run.returncode == 0 and b"Traceback" not in run.stderr
    assert b"[Yamada^Tarou=\\u5c71\\u7530^\\u592a\\u90ce=" in run.stdout  # escaped, not lost


def test_help_does_not_load_the_model_or_read_anything() -> None:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dicom_runtime.dump", "--help"], capture_output=True, timeout=120
    )
    assert run.returncode == 0 and b"--max-value-length" in run.stdout
    imported = run.stderr.decode()
    assert "dicom_model" not in imported and "dicom_runtime.json_model" not in imported and " json\n" not in imported


def test_an_unknown_keyword_is_refused_before_any_file_is_read() -> None:
    run = _run("--keyword", "NoSuchKeyword", str(TEST_FILES / "CT_small.dcm"))
    assert run.returncode == 2 and run.stdout == b"" and b"unknown keyword 'NoSuchKeyword'" in run.stderr


def test_json_of_several_files_stays_valid_when_one_is_not_dicom(tmp_path: Path) -> None:
    """A file that is not DICOM gives its one line on standard error and no member of the array."""
    import json

    junk = tmp_path / "README.txt"
    junk.write_text("not a DICOM file at all, but long enough to be looked at\n" * 4)
    ct = str(Path(pydicom.data.__file__).parent / "test_files" / "CT_small.dcm")
    for files in ([ct, str(junk), ct], [str(junk), ct], [ct, str(junk)]):
        run = subprocess.run([sys.executable, "-m", "dicom_runtime.dump", "--format", "json", *files], capture_output=True, text=True)
        assert run.returncode == 1
        assert len(json.loads(run.stdout)) == files.count(ct)
        assert "not a DICOM file" in run.stderr


def test_directory_records_show_their_offsets_as_dcmdump_does() -> None:
    """dcmdump follows each directory record's item line with ``#  offset=$N`` (its byte offset
    in the file) and, for a record referencing a file, ``refFileID="..."``: the same lines here,
    for pydicom's DICOMDIRs (little and big endian, implicit VR, reordered)."""
    folder = Path(pydicom.data.__file__).parent / "test_files" / "dicomdirtests"
    names = ["DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-reordered", "DICOMDIR-nopatient"]
    for name in names:
        path = str(folder / name)
        ours = subprocess.run([sys.executable, "-m", "dicom_runtime.dump", path], capture_output=True, text=True, check=True)
        theirs = subprocess.run(["/usr/bin/dcmdump", "-Un", "+Ep", path], capture_output=True, check=True)
        expected = [line for line in theirs.stdout.decode("latin-1").splitlines() if "#  offset=$" in line]
        assert len(expected) > 3, name
        assert [line for line in ours.stdout.splitlines() if "#  offset=$" in line] == expected, name


def test_a_negative_max_value_length_is_refused() -> None:
    ct = str(TEST_FILES / "CT_small.dcm")
    for bad, reason in (("-3", "-3 is negative"), ("x", "'x' is not a number of characters")):
        run = _run(ct, "--max-value-length", bad)
        assert run.returncode == 2 and run.stdout == b""  # argparse's status, before any file is read
        assert run.stderr.decode().splitlines()[-1] == f"dicom-dump: error: argument --max-value-length: {reason}" + (
            ": give a number of characters, or 0 for whole values" if bad == "-3" else ""
        )


def test_a_sequence_asked_for_is_shown_whole_and_json_filters_as_text_does() -> None:
    # --tag of a sequence showed its items empty (dcmdump +P shows it whole), and --format json
    # kept only top-level matches: a nested one gave {}
    import json

    rtdose = str(TEST_FILES / "rtdose.dcm")
    ours = [line for line in _run(rtdose, "--tag", "300c,0002").stdout.decode().splitlines() if line.startswith(" ") or line.startswith("(")]
    theirs = subprocess.run(["/usr/bin/dcmdump", "-Un", "+P", "300c,0002", rtdose], capture_output=True, timeout=60).stdout.decode()
    assert ours == theirs.splitlines() and any("(300c,0006)" in line for line in ours)
    whole = json.loads(_run(rtdose, "--format", "json").stdout)
    assert json.loads(_run(rtdose, "--format", "json", "--tag", "300c,0002").stdout) == {"300C0002": whole["300C0002"]}
    nested = json.loads(_run(rtdose, "--format", "json", "--keyword", "ReferencedSOPInstanceUID").stdout)
    assert nested == {"300C0002": {"vr": "SQ", "Value": [{"00081155": whole["300C0002"]["Value"][0]["00081155"]}]}}
