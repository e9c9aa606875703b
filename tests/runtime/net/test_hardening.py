"""Issue #20: what a live ``dicom-net scp`` answers to C-STOREs it must refuse (item 4),
to duplicates (5) and to UIDs that cannot be echoed (6), over raw sockets; what it
stores; and that it still serves C-ECHO afterwards."""

from __future__ import annotations

import random
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime import Dataset
from dicom_runtime.fileformat import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_BIG_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
)
from dicom_runtime.net import blocking
from dicom_runtime.net.dimse import command_set, fragments, read_command
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.messages import command
from dicom_runtime.net.pdu import AssociateAC, AssociateRQ, PDataTF, PresentationContextRQ, ReleaseRQ, UserInformation, decode_pdu
from tests.runtime.net.helpers import CT, VERIFICATION, ScpProcess, ct_instance

MR = "1.2.840.10008.5.1.4.1.1.4"


class RawScu:
    """An SCU over a plain socket that sends exactly the command and data set bytes given."""

    def __init__(self, port: int, contexts: dict[int, tuple[str, str]]) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        request = AssociateRQ(
            "OURSCP", "HARDEN",
            tuple(PresentationContextRQ(cid, abstract, (ts,)) for cid, (abstract, ts) in contexts.items()),
            UserInformation(max_length=65536, implementation_class_uid="1.2.3"),
        )
        self.sock.sendall(request.encode())
        answer = self._pdu()
        assert isinstance(answer, AssociateAC), answer
        self.accepted = {c.context_id for c in answer.contexts if c.result == 0}
        assert self.accepted == set(contexts), answer.contexts
        self._ids = iter(range(1, 60000))

    def _pdu(self) -> object:
        header = self.sock.recv(6, socket.MSG_WAITALL)
        assert len(header) == 6, "the SCP closed the connection"
        return decode_pdu(header + self.sock.recv(int.from_bytes(header[2:6], "big"), socket.MSG_WAITALL))

    def send(self, context_id: int, encoded_command: bytes, data: bytes | None) -> Dataset:
        for pdu in fragments(context_id, encoded_command, data, 65536):
            self.sock.sendall(pdu.encode())
        received = b""
        while True:
            answer = self._pdu()
            assert isinstance(answer, PDataTF), answer
            for value in answer.values:
                assert value.is_command
                received += value.data
                if value.is_last:
                    return read_command(received)

    def store(self, context_id: int, sop_class: str, sop_instance: str, data: bytes | None) -> Dataset:
        cmd = command("C-STORE-RQ", data_set=data is not None, MessageID=next(self._ids), AffectedSOPClassUID=sop_class,
                      Priority=0, AffectedSOPInstanceUID=sop_instance)
        return self.send(context_id, command_set(cmd), data)

    def echo(self, context_id: int) -> int:
        cmd = command("C-ECHO-RQ", MessageID=next(self._ids), AffectedSOPClassUID=VERIFICATION)
        return _status(self.send(context_id, command_set(cmd), None))

    def release(self) -> None:
        self.sock.sendall(ReleaseRQ().encode())
        self._pdu()
        self.sock.close()


def _status(response: Dataset) -> int:
    value = response.value(0x00000900)
    assert isinstance(value, int)
    return value


def _comment(response: Dataset) -> str:
    value = response.value(0x00000902)
    return value if isinstance(value, str) else ""


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("hardening")
    process = ScpProcess(folder / "out", folder / "scp.log").start()
    yield process
    assert process.stop() == 0
    assert "Traceback" not in process.log.read_text()


def _still_serves(port: int) -> None:
    with blocking.associate("127.0.0.1", port, called_ae="OURSCP", contexts=[VERIFICATION]) as scu:
        assert scu.echo().is_success


def _logged(scp: ScpProcess, text: str) -> str:
    deadline = time.monotonic() + 5
    while text not in (log := scp.log.read_text()):
        assert time.monotonic() < deadline, f"no log line with {text!r}: {log[-2000:]}"
        time.sleep(0.05)
    return next(line for line in log.splitlines() if text in line)


def _mr(index: int) -> Instance:
    """A CT data set relabelled as MR (SOP Class UID (0008,0016) changed)."""
    dataset = ct_instance(index).dataset()
    dataset.add(0x00080016, "UI", MR)
    return Instance.from_dataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN)


def _refusals() -> list[tuple[str, tuple[str, str], str, str, bytes | None, int, str]]:
    """(case, context, command's SOP class, command's SOP instance, data set, status, comment)."""
    ct = ct_instance(501)
    big = ct_instance(502).in_syntax(EXPLICIT_VR_BIG_ENDIAN)
    mr = _mr(503)
    noise = random.Random(20).randbytes(4000)
    return [
        ("random bytes", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, "1.2.3.501", noise, 0xC000, "does not decode"),
        ("Explicit VR on Implicit VR", (CT, IMPLICIT_VR_LITTLE_ENDIAN), CT, ct.sop_instance, ct.data, 0xC000, "does not decode"),
        ("Big Endian on Explicit VR LE", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, big.sop_instance, big.data, 0xC000, "does not decode"),
        ("plain bytes on Deflated", (CT, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN), CT, ct.sop_instance, ct.data, 0xC000, "does not decode"),
        ("MR on a CT context", (CT, EXPLICIT_VR_LITTLE_ENDIAN), MR, mr.sop_instance, mr.data, 0x0122, "SOP class MR Image Storage"),
        ("CT on the Verification context", (VERIFICATION, EXPLICIT_VR_LITTLE_ENDIAN), CT, ct.sop_instance, ct.data, 0x0211, "C-STORE is not"),
        ("SOP Class 1.2.3.4", (CT, EXPLICIT_VR_LITTLE_ENDIAN), "1.2.3.4", ct.sop_instance, ct.data, 0x0122, "SOP class 1.2.3.4"),
        ("command CT, data set MR", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, mr.sop_instance, mr.data, 0xA900, "SOP Class UID is " + MR),
        ("instance UIDs differ", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, "1.2.3.777", ct.data, 0xA900, "SOP Instance UID is"),
        ("no data set", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, "1.2.3.778", None, 0xC000, "without a data set"),
        ("empty data set", (CT, EXPLICIT_VR_LITTLE_ENDIAN), CT, "1.2.3.779", b"", 0xC000, "empty data set"),
    ]


def test_c_stores_a_storage_scp_must_refuse_are_refused_and_not_stored(scp: ScpProcess) -> None:
    for case, context, sop_class, sop_instance, data, code, comment in _refusals():
        scu = RawScu(scp.port, {1: context, 3: (VERIFICATION, IMPLICIT_VR_LITTLE_ENDIAN)})
        response = scu.store(1, sop_class, sop_instance, data)
        assert (_status(response), case) == (code, case), _comment(response)
        assert comment in _comment(response), (case, _comment(response))
        assert scu.echo(3) == 0, case  # the association goes on
        scu.release()
        _logged(scp, f"C-STORE-RQ refused with {code:04X}")
    stored = {path.name for path in scp.out.glob("*.dcm")}
    assert not stored, stored
    _still_serves(scp.port)


def test_valid_c_stores_in_every_native_and_deflated_syntax_are_stored(scp: ScpProcess) -> None:
    """The other side of the checks above: each syntax's own encoding is accepted."""
    for index, syntax in enumerate((EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_BIG_ENDIAN, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)):
        instance = ct_instance(600 + index).in_syntax(syntax)
        scu = RawScu(scp.port, {1: (CT, syntax)})
        response = scu.store(1, CT, instance.sop_instance, instance.data)
        assert _status(response) == 0, (syntax, _comment(response))
        scu.release()
        stored = Instance.from_file(scp.out / f"{instance.sop_instance}.dcm")
        assert (stored.transfer_syntax, stored.data) == (syntax, instance.data)


def _patched(cmd: Dataset, placeholder: str, raw: bytes) -> bytes:
    """The command set with ``placeholder``'s bytes replaced by ``raw`` (same length)."""
    encoded = command_set(cmd)
    target = placeholder.encode("ascii")
    assert len(raw) == len(target) and encoded.count(target) == 1
    return encoded.replace(target, raw)


@pytest.mark.parametrize(
    ("which", "raw", "code"),
    [
        ("instance", b"1.2.3.\x80\xff\x90", 0x0117),
        ("class", b"1.2.840.10008.5.1.4.1.1.\xc3", 0x0122),
        ("instance", b"1.2.3.6\n", 0x0117),
    ],
)
def test_a_uid_that_cannot_be_echoed_is_answered_with_an_error(scp: ScpProcess, which: str, raw: bytes, code: int) -> None:
    ct = ct_instance(700)
    scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN), 3: (VERIFICATION, IMPLICIT_VR_LITTLE_ENDIAN)})
    placeholder = "9" * len(raw) if which == "instance" else "8" * len(raw)
    cmd = command(
        "C-STORE-RQ", data_set=True, MessageID=7, Priority=0,
        AffectedSOPClassUID=placeholder if which == "class" else CT,
        AffectedSOPInstanceUID=placeholder if which == "instance" else ct.sop_instance,
    )
    response = scu.send(1, _patched(cmd, placeholder, raw), ct.data)
    assert _status(response) == code, _comment(response)
    assert response.value(0x00000120) == 7  # Message ID Being Responded To
    assert "violates the UID rules" in _comment(response)
    assert scu.echo(3) == 0
    scu.release()
    assert not [p for p in scp.out.iterdir() if not p.name.isprintable() or "\n" in p.name]
    assert not (scp.out / f"{ct.sop_instance}.dcm").exists()
    _still_serves(scp.port)


def _with_pixels(index: int, fill: int) -> Instance:
    """ct_instance(index) with other pixel data: same UIDs, different content."""
    dataset = ct_instance(index).dataset()
    element = dataset.get(0x7FE00010)
    assert element is not None and isinstance(element.value, bytes)
    dataset.add(0x7FE00010, element.vr, bytes([fill]) * len(element.value))
    return Instance.from_dataset(dataset, EXPLICIT_VR_LITTLE_ENDIAN)


@pytest.mark.parametrize(("policy", "second_status", "kept"), [("keep", 0x0000, "first"), ("replace", 0x0000, "second"), ("reject", 0xC111, "first")])
def test_a_duplicate_sop_instance_is_never_replaced_silently(tmp_path: Path, policy: str, second_status: int, kept: str) -> None:
    """``reject`` refuses the second data set with a failure, C111 (PS3.4 B.2.3's Cxxx): it
    answered B000, a Warning, which says the instance was stored (PS3.7 9.1.1.1.9), and SCUs
    (``dicom-net store``, storescu) counted it stored while the archive kept the other one."""
    extra = () if policy == "keep" else ("--duplicates", policy)  # keep is the default
    scp = ScpProcess(tmp_path / "out", tmp_path / "scp.log", *extra).start()
    try:
        first, second = ct_instance(800), _with_pixels(800, 0x5A)
        assert first.sop_instance == second.sop_instance and first.data != second.data
        scu = RawScu(scp.port, {1: (CT, EXPLICIT_VR_LITTLE_ENDIAN)})
        assert _status(scu.store(1, CT, first.sop_instance, first.data)) == 0
        assert _status(scu.store(1, CT, first.sop_instance, first.data)) == 0  # the same again: nothing to say
        response = scu.store(1, CT, second.sop_instance, second.data)
        assert _status(response) == second_status, _comment(response)
        if second_status:
            assert "duplicate SOP Instance UID" in _comment(response)
        scu.release()
        _still_serves(scp.port)
        stored = Instance.from_file(scp.out / f"{first.sop_instance}.dcm")
        assert stored.data == (first if kept == "first" else second).data
        line = _logged(scp, "duplicate SOP Instance UID")
        import hashlib

        for instance in (first, second):
            assert hashlib.sha256(instance.data).hexdigest()[:16] in line, line
        assert scp.log.read_text().count("duplicate SOP Instance UID") == 1  # the identical resend is not one
    finally:
        assert scp.stop() == 0
    assert "Traceback" not in scp.log.read_text()


def test_the_duplicate_policy_is_configured_in_toml_and_stated(tmp_path: Path) -> None:
    from dicom_runtime.net.config import ConfigError, from_mapping
    from dicom_runtime.net.conformance import statement

    base = {"title": "ARCHIVE", "port": 11112, "storage": "archive", "sop_classes": ["Verification", "CTImageStorage"]}
    config = from_mapping({"ae": [{**base, "duplicates": "reject"}]}, base=tmp_path)
    entity = config.entities[0]
    _, folder = entity.server()
    assert folder is not None and (entity.duplicates, folder.duplicates) == ("reject", "reject")
    folder.close()
    text = statement(config).to_markdown()
    assert "refused with C111 (a failure" in text and "B000" not in text.split("C-STORE status codes")[1].split("C-FIND")[0] and "| Duplicate SOP instance with other content | reject |" in text
    assert from_mapping({"ae": [base]}, base=tmp_path).entities[0].duplicates == "keep"
    with pytest.raises(ConfigError, match=r"duplicates: 'overwrite' is not one of keep, replace, reject"):
        from_mapping({"ae": [{**base, "duplicates": "overwrite"}]}, base=tmp_path)
