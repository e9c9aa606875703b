"""cli_parsing (#19): the commands' help is argparse's own, character for character, without
shutil and with each subcommand's arguments added when first used."""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

import pytest

from dicom_runtime.cli_parsing import HelpFormatter, LazyParser, terminal_columns

COLUMNS_CODE = (
    "import shutil, sys; from dicom_runtime.cli_parsing import terminal_columns;"
    " print(terminal_columns(), shutil.get_terminal_size().columns, file=sys.stderr)"
)


@pytest.mark.parametrize("columns", [None, "", "0", "-3", "junk", "37", "200"])
def test_the_width_is_shutils(columns: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns


@pytest.mark.parametrize(("columns", "env"), [(123, None), (0, None), (61, "90"), (61, "0")])
def test_the_width_is_shutils_on_a_terminal(columns: int, env: str | None) -> None:
    """Standard output a pseudo-terminal of ``columns`` columns (0: one that says none)."""
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        if env is not None:
            environment["COLUMNS"] = env
        run = subprocess.run([sys.executable, "-c", COLUMNS_CODE], stdout=follower, stderr=subprocess.PIPE, text=True, env=environment, timeout=60, check=True)
    finally:
        os.close(follower)
        os.close(leader)
    ours, theirs = run.stderr.split()
    assert ours == theirs
    assert int(ours) == (int(env) if env not in (None, "0") else columns or 80)


def _build(lazy: bool, formatter: type[argparse.HelpFormatter]) -> argparse.ArgumentParser:
    def fill(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="a path, with a long help text that argparse has to wrap over several lines of the output")
        p.add_argument("--level", choices=("a", "b"), default="a", help="which level")

    parser = argparse.ArgumentParser(prog="tool", description="A tool.", formatter_class=formatter)
    if lazy:
        sub = parser.add_subparsers(dest="command", required=True, parser_class=LazyParser)
        sub.add_parser("run", help="run it").defer(fill)
    else:
        plain = parser.add_subparsers(dest="command", required=True)
        fill(plain.add_parser("run", help="run it"))
    return parser


def _outcome(parser: argparse.ArgumentParser, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        result: object = vars(parser.parse_args(argv))
    except SystemExit as exc:
        result = exc.code
    captured = capsys.readouterr()
    return result, captured.out, captured.err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["run", "p", "--level", "b"], ["run"], ["run", "p", "--level", "c"], []])
@pytest.mark.parametrize("columns", ["40", "80", "150"])
def test_a_lazy_parser_is_argparses(argv: list[str], columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    ours = _outcome(_build(True, HelpFormatter), argv, capsys)
    theirs = _outcome(_build(False, argparse.HelpFormatter), argv, capsys)
    assert ours == theirs
    assert ours[1] or ours[2] or isinstance(ours[0], dict)


def test_a_lazy_parser_is_filled_when_used_and_once() -> None:
    calls: list[argparse.ArgumentParser] = []

    def fill(p: argparse.ArgumentParser) -> None:
        calls.append(p)
        p.add_argument("--x", type=int, default=1)

    parser = argparse.ArgumentParser(prog="tool")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=LazyParser)
    run = sub.add_parser("run").defer(fill)
    sub.add_parser("other").defer(lambda p: calls.append(p))
    assert "run" in parser.format_help() and calls == []  # the top-level help does not fill them
    assert vars(parser.parse_args(["run", "--x", "3"])) == {"command": "run", "x": 3}
    assert calls == [run]
    assert vars(parser.parse_args(["run"])) == {"command": "run", "x": 1} and calls == [run]
