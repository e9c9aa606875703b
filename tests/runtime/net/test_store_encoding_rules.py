"""C-STOREs of data sets that PS3.5 forbids but the reader reads all the same: refused with
C000 (PS3.4 B.2.3, Cannot understand) and an Error Comment naming the rule, nothing stored.
Each was answered Success and stored, and later broke C-MOVE and C-GET to dcmtk's storescp,
which aborts the sub-association. The data sets are sent by pynetdicom from files, as their
bytes are (``send_c_store`` of a path with ``STORE_SEND_CHUNKED_DATASET``: without it
pynetdicom decodes the file and encodes it again, in tag order)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.fileformat import EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN
from dicom_runtime.net.checks import ScanError, data_set_uids
from dicom_runtime.net.instances import Instance
from tests.runtime.net.helpers import CT, ScpProcess, ct_instance, still_serves

JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
_PIXEL_DATA = 0x7FE00010


def _explicit(tag: int, vr: bytes, value: bytes, length: int | None = None) -> bytes:
    size = len(value) if length is None else length
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHI", tag >> 16, tag & 0xFFFF, vr, 0, size) + value
    return struct.pack("<HH2sH", tag >> 16, tag & 0xFFFF, vr, size) + value


def _implicit(tag: int, value: bytes) -> bytes:
    return struct.pack("<HHI", tag >> 16, tag & 0xFFFF, len(value)) + value


def _before_pixels(body: bytes) -> int:
    """Where the Pixel Data element starts in a CT's Explicit VR Little Endian data set."""
    return body.rindex(struct.pack("<HH", 0x7FE0, 0x0010) + b"OW")


def _encapsulated_pixels() -> bytes:
    item = struct.pack("<HHI", 0xFFFE, 0xE000, 0)  # an empty Basic Offset Table
    fragment = struct.pack("<HHI", 0xFFFE, 0xE000, 4) + b"\xff\xd8\xff\xd9"
    return _explicit(_PIXEL_DATA, b"OB", b"", 0xFFFFFFFF) + item + fragment + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)


def _case(name: str, index: int) -> tuple[str, str, bytes]:
    """(SOP Instance UID, transfer syntax, data set) of one forbidden data set."""
    instance = ct_instance(index, size=200)
    body = bytes(instance.data)
    pixels = _before_pixels(body)
    if name == "native syntax, encapsulated Pixel Data":
        return instance.sop_instance, EXPLICIT_VR_LITTLE_ENDIAN, body[:pixels] + _encapsulated_pixels()
    if name == "JPEG Baseline, Pixel Data of defined length":
        return instance.sop_instance, JPEG_BASELINE, body
    if name == "odd value length":  # Performed Procedure Step Description (0040,0254) "abc"
        return instance.sop_instance, EXPLICIT_VR_LITTLE_ENDIAN, body[:pixels] + _explicit(0x00400254, b"LO", b"abc") + body[pixels:]
    if name == "Implicit VR, odd value length":
        implicit = bytes(instance.in_syntax(IMPLICIT_VR_LITTLE_ENDIAN).data)
        at = implicit.rindex(struct.pack("<HH", 0x7FE0, 0x0010))
        return instance.sop_instance, IMPLICIT_VR_LITTLE_ENDIAN, implicit[:at] + _implicit(0x00400254, b"abc") + implicit[at:]
    if name == "out of ascending order":
        return instance.sop_instance, EXPLICIT_VR_LITTLE_ENDIAN, body + _explicit(0x00081030, b"LO", b"late")
    if name == "a tag twice":
        return instance.sop_instance, EXPLICIT_VR_LITTLE_ENDIAN, body[:pixels] + _explicit(0x00400254, b"LO", b"ab") * 2 + body[pixels:]
    raise AssertionError(name)


CASES = {  # the Error Comment's start (LO: 64 characters)
    "native syntax, encapsulated Pixel Data": "encapsulated Pixel Data in a native syntax (PS3.5 A.4)",
    "JPEG Baseline, Pixel Data of defined length": "native Pixel Data in an encapsulating syntax (PS3.5 A.4)",
    "odd value length": "(0040,0254) odd value length 3 (PS3.5 7.1.1) at offset",
    "Implicit VR, odd value length": "(0040,0254) odd value length 3 (PS3.5 7.1.1) at offset",
    "out of ascending order": "(0008,1030) after (7FE0,0010), out of tag order (PS3.5 7.1)",
    "a tag twice": "(0040,0254) twice in one data set (PS3.5 7.1) at offset",
}


@pytest.fixture(autouse=True)
def _sent_as_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from pynetdicom import _config

    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("encoding_rules")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


@pytest.mark.parametrize("name", list(CASES))
def test_the_walk_refuses_what_ps3_5_forbids_and_the_reader_reads(name: str) -> None:
    _, syntax, body = _case(name, 1)
    data_set_uids(body, syntax, name)  # read all the same, as before (dicom-net store's own check)
    with pytest.raises(ScanError, match=r".*" + CASES[name].replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        data_set_uids(body, syntax, name, strict=True)


@pytest.mark.parametrize("name", list(CASES))
def test_a_c_store_that_breaks_ps3_5_is_refused_and_not_stored(scp: ScpProcess, tmp_path: Path, name: str) -> None:
    from pynetdicom import AE

    index = 700 + list(CASES).index(name)
    uid, syntax, body = _case(name, index)
    path = tmp_path / "forbidden.dcm"
    path.write_bytes(Instance(CT, uid, syntax, body).file_bytes())
    ae = AE(ae_title="PYNET")
    ae.add_requested_context(CT, [syntax])
    association = ae.associate("127.0.0.1", scp.port, ae_title="OURSCP")
    assert association.is_established
    try:
        answer = association.send_c_store(path)
    finally:
        association.release()
    assert answer.Status == 0xC000, answer
    assert answer.ErrorComment.startswith(CASES[name]), answer.ErrorComment
    assert not (scp.out / f"{uid}.dcm").exists()
    assert f"(PYNET): C-STORE-RQ refused with C000: {CASES[name]}" in scp.log.read_text()
    still_serves(scp.port)


def test_a_conformant_data_set_in_each_syntax_is_still_stored(scp: ScpProcess, tmp_path: Path) -> None:
    """The same CT, unchanged, in the native syntaxes; and in JPEG Baseline with
    encapsulated Pixel Data: Success, as before."""
    from pynetdicom import AE

    instance = ct_instance(790, size=200)
    body = bytes(instance.data)
    jpeg = ct_instance(791, size=200)
    jpeg_body = bytes(jpeg.data)
    sent = [(instance.sop_instance, EXPLICIT_VR_LITTLE_ENDIAN, body),
            (jpeg.sop_instance, JPEG_BASELINE, jpeg_body[:_before_pixels(jpeg_body)] + _encapsulated_pixels())]
    ae = AE(ae_title="PYNET")
    for _, syntax, _ in sent:
        ae.add_requested_context(CT, [syntax])
    association = ae.associate("127.0.0.1", scp.port, ae_title="OURSCP")
    try:
        for number, (uid, syntax, data) in enumerate(sent):
            path = tmp_path / f"{number}.dcm"
            path.write_bytes(Instance(CT, uid, syntax, data).file_bytes())
            assert association.send_c_store(path).Status == 0x0000, syntax
    finally:
        association.release()
    for uid, _, _ in sent:
        assert (scp.out / f"{uid}.dcm").exists()
