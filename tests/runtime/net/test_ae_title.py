"""An AE title that is not one (PS3.5 6.2: 1 to 16 characters of the default repertoire, not only
spaces) is refused before anything is connected or made: by ``dicom-net``'s arguments (echo,
store, find, move, get, scp), by :func:`.aio.associate` and :func:`.blocking.associate`, and by
:class:`.AcceptorPolicy`. A listening socket that nothing is accepted from shows that no
connection was opened."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dicom_runtime.net import aio, blocking
from dicom_runtime.net.association import AcceptorPolicy, valid_ae_title

LONG = "TOO_LONG_AE_TITLE_X"  # 19 characters


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A listening socket: a connection to it waits in the backlog until accepted."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def _nothing_connected(sock: socket.socket) -> bool:
    try:
        connection, _ = sock.accept()
    except BlockingIOError:
        return True
    connection.close()
    return False


def _dicom_net(*args: str) -> subprocess.CompletedProcess[str]:
    # The timeout guards against the old behaviour (a 30 s wait for an A-ASSOCIATE-AC that never came).
    return subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", *args], capture_output=True, text=True, timeout=20)


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (["echo"], "--aec"),
        (["echo"], "--aet"),
        (["store"], "--aet"),
        (["find", "-k", "PatientID="], "--aec"),
        (["move", "-k", "PatientID=", "--dest", "OK"], "--aet"),
        (["move", "-k", "PatientID=", "--dest", LONG], None),
    ],
)
def test_client_commands_refuse_a_long_ae_title(
    listener: socket.socket, tmp_path: Path, command: list[str], option: str | None
) -> None:
    port = str(listener.getsockname()[1])
    extra = [option, LONG] if option else []
    paths = [str(tmp_path)] if command == ["store"] else []
    result = _dicom_net(command[0], "127.0.0.1", port, *command[1:], *extra, *paths)
    named = option or "--dest"
    assert result.returncode == 2, result.stderr
    assert f"argument {named}: {LONG!r} is not an AE title" in result.stderr
    assert "PS3.5 6.2" in result.stderr and "Traceback" not in result.stderr
    assert _nothing_connected(listener)


def test_scp_refuses_a_long_ae_title_and_makes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "archive"
    result = _dicom_net("scp", "--port", "0", "--out", str(out), "--aet", LONG)
    assert result.returncode == 2
    assert f"argument --aet: {LONG!r} is not an AE title" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("argument", ["called_ae", "calling_ae"])
@pytest.mark.parametrize("title", [LONG, "", "    ", "BACK\\SLASH", "TAB\tAE"])
def test_associate_raises_before_connecting(listener: socket.socket, argument: str, title: str) -> None:
    port = listener.getsockname()[1]
    with pytest.raises(ValueError, match=f"^{argument} = .*PS3.5 6.2"):
        asyncio.run(aio.associate("127.0.0.1", port, **{argument: title}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"^{argument} = "):
        blocking.associate("127.0.0.1", port, **{argument: title})
    assert _nothing_connected(listener)


def test_acceptor_policy_refuses_a_bad_title() -> None:
    with pytest.raises(ValueError, match="^ae_title = 'TOO_LONG_AE_TITLE_X'"):
        AcceptorPolicy(LONG, {})
    assert AcceptorPolicy("SIXTEEN_CHARS_AE", {}).ae_title == "SIXTEEN_CHARS_AE"


def test_the_rule() -> None:
    assert valid_ae_title("A") and valid_ae_title(" PADDED ") and valid_ae_title("X" * 16)
    assert not valid_ae_title("X" * 17) and not valid_ae_title("") and not valid_ae_title(" " * 4)
    assert not valid_ae_title("A\\B") and not valid_ae_title("A\nB") and not valid_ae_title("É")
