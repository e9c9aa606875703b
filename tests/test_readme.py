"""README's examples, run as written.

Every fenced block of README.md is one of these, and a block no rule covers fails the test:

* a ``python`` block is run statement by statement in a scratch folder holding the files the
  examples name (``ct.dcm`` is pydicom's CT_small.dcm, ``mr.dcm`` its MR_small.dcm,
  ``rtdose.dcm`` its rtdose.dcm, ``ybr.dcm`` its SC_ybr_full_422_uncompressed.dcm). A statement whose comment starts with a Python literal
  (``# True: ...``, ``# ('PN', '1'), ...``) must evaluate to it; one whose comment starts with
  ``mypy:`` must raise at run time, and ``mypy --strict`` over all blocks must report exactly
  those lines, with the quoted message, and nothing else;
* a block of ``$ command`` lines is run, each command's standard output compared with the
  lines below it;
* a block preceded by ``<!-- readme: run-shell -->`` is run line by line with bash in the
  scratch folder (``examples/`` copied there); ``background`` runs its first line as a server
  and waits for ``port=N``;
* a block preceded by ``<!-- readme: synopsis -->`` is a command synopsis: each line's command
  (and subcommand) must answer ``--help`` with status 0, and each ``--option`` it names must be
  in that help;
* ``<!-- readme: not run: REASON -->`` leaves a block out, with the reason (what needs a network
  or runs for minutes), which the test prints.
"""

from __future__ import annotations

import ast
import contextlib
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pydicom.data
import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
CORPUS = Path(pydicom.data.__file__).parent / "test_files"
FIXTURES = {
    "ct.dcm": "CT_small.dcm",
    "mr.dcm": "MR_small.dcm",
    "rtdose.dcm": "rtdose.dcm",
    "ybr.dcm": "SC_ybr_full_422_uncompressed.dcm",
}
DIRECTIVE = re.compile(r"^<!-- readme: (?P<text>.*?) -->$")


@dataclass(frozen=True)
class Block:
    line: int
    """README's line number of the block's first line (after the fence)."""
    lang: str
    text: str
    directive: str

    @property
    def kind(self) -> str:
        if self.directive.startswith("not run:"):
            return "not run"
        if self.directive.startswith("run-shell"):
            return "run-shell"
        if self.directive == "synopsis":
            return "synopsis"
        if self.lang == "python":
            return "python"
        if self.text.startswith("$ "):
            return "console"
        return "unclassified"

    def __str__(self) -> str:
        return f"README.md line {self.line} ({self.lang or 'plain'})"


def blocks() -> list[Block]:
    lines = README.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        fence = lines[index]
        if not fence.startswith("```"):
            index += 1
            continue
        directive = ""
        before = index - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and (match := DIRECTIVE.match(lines[before].strip())):
            directive = match["text"]
        end = index + 1
        while not lines[end].startswith("```"):
            end += 1
        found.append(Block(index + 2, fence[3:].strip(), "\n".join(lines[index + 1 : end]) + "\n", directive))
        index = end + 1
    return found


BLOCKS = blocks()


def by_kind(kind: str) -> list[Block]:
    return [b for b in BLOCKS if b.kind == kind]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    for name, source in FIXTURES.items():
        shutil.copyfile(CORPUS / source, tmp_path / name)
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path


def test_every_block_is_classified() -> None:
    assert len(BLOCKS) >= 10, "README's fenced blocks were not found"
    unclassified = [str(b) for b in BLOCKS if b.kind == "unclassified"]
    assert not unclassified, f"blocks with no rule (add a <!-- readme: ... --> line before each): {unclassified}"


def test_not_run_blocks_say_why() -> None:
    for block in by_kind("not run"):
        reason = block.directive.removeprefix("not run:").strip()
        assert len(reason) > 10, f"{block}: 'not run' without a reason"
        print(f"{block}: not run: {reason}")


# ---- python blocks -------------------------------------------------------------------------


def _comment(source_line: str) -> str | None:
    """The trailing comment of a line of code (None if none)."""
    try:
        tokens = list(tokenize.generate_tokens(iter([source_line + "\n"]).__next__))
    except (tokenize.TokenError, SyntaxError):
        return None
    for token in tokens:
        if token.type == tokenize.COMMENT:
            return str(token.string[1:].strip())
    return None


_NO_LITERAL = object()


def _leading_literal(comment: str) -> object:
    """The Python literal a comment starts with, ending at the comment's end or before
    ``, `` ``: `` ``; `` or a space; ``_NO_LITERAL`` when it starts with none."""
    cuts = [len(comment)] + [m.start() for m in re.finditer(r"[,:;]? ", comment)]
    for cut in sorted(set(cuts), reverse=True):
        candidate = comment[:cut]
        if not candidate or candidate[0].isalpha() and candidate not in ("True", "False", "None"):
            continue
        try:
            return ast.literal_eval(candidate)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            continue
    return _NO_LITERAL


@dataclass(frozen=True)
class Step:
    node: ast.stmt
    comment: str | None


def _steps(block: Block) -> list[Step]:
    tree = ast.parse(block.text, filename=str(block))
    source = block.text.splitlines()
    return [Step(node, _comment(source[(node.end_lineno or node.lineno) - 1])) for node in tree.body]


@pytest.mark.parametrize("block", by_kind("python"), ids=str)
def test_python_block_runs(block: Block, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(scratch)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    filename = f"README.md:{block.line}"
    with _archive_if_needed(block, scratch):
        for step in _steps(block):
            where = f"{block} statement at block line {step.node.lineno}: {ast.unparse(step.node)[:80]}"
            if step.comment is not None and step.comment.startswith("mypy:"):
                with pytest.raises(Exception):
                    exec(compile(ast.Module([step.node], []), filename, "exec"), namespace)
                continue
            if isinstance(step.node, ast.Expr):
                value = eval(compile(ast.Expression(step.node.value), filename, "eval"), namespace)
                expected = _leading_literal(step.comment) if step.comment else _NO_LITERAL
                if expected is not _NO_LITERAL:
                    assert value == expected, f"{where}: gives {value!r}, README says {expected!r}"
            else:
                exec(compile(ast.Module([step.node], []), filename, "exec"), namespace)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


@contextlib.contextmanager
def _server(command: str, cwd: Path, port: int) -> Iterator[None]:
    assert _free(port), f"port {port}, which README's example uses, is taken on this machine"
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for_port(port, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


ARCHIVE = 'dicom-net scp --config examples/archive.toml --out "$(mktemp -d)"'
"""README's command that starts the example archive (port 11112, AE ARCHIVE)."""


def _archive_if_needed(block: Block, scratch: Path) -> contextlib.AbstractContextManager[None]:
    if "with-archive" in block.directive:
        assert ARCHIVE in README.read_text(encoding="utf-8"), "README no longer shows how to start the archive"
        return _server(ARCHIVE, scratch, 11112)
    return contextlib.nullcontext()


@pytest.mark.slow
def test_python_blocks_type_check(tmp_path: Path) -> None:
    """``mypy --strict`` on every python block: errors exactly where README says ``# mypy:``."""
    expected: dict[tuple[str, int], str] = {}
    files = []
    for number, block in enumerate(by_kind("python")):
        name = f"readme_block_{number}.py"
        (tmp_path / name).write_text(block.text, encoding="utf-8")
        files.append(str(tmp_path / name))
        for step in _steps(block):
            if step.comment is not None and step.comment.startswith("mypy:"):
                expected[(name, step.node.end_lineno or step.node.lineno)] = " ".join(
                    re.findall(r'"[^"]+"', step.comment)
                )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / ".mypy"),
            *files,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    found: dict[tuple[str, int], str] = {}
    for line in result.stdout.splitlines():
        match = re.match(r"(?P<file>[^:]+):(?P<line>\d+): error: (?P<message>.*)", line)
        if match:
            key = (Path(match["file"]).name, int(match["line"]))
            found[key] = found.get(key, "") + match["message"]
    unexpected = {k: v for k, v in found.items() if k not in expected}
    assert not unexpected, f"mypy errors README does not announce: {unexpected}\n{result.stdout}{result.stderr}"
    for key, quoted in expected.items():
        assert key in found, f"README says mypy reports {quoted} at {key}; mypy says nothing there"
        for part in re.findall(r'"[^"]+"', quoted):
            assert part in found[key], f"{key}: mypy says {found[key]!r}, README {quoted}"


# ---- console, shell and synopsis blocks -----------------------------------------------------


def _console_commands(block: Block) -> list[tuple[str, str]]:
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        else:
            assert commands, f"{block}: output before any command"
            commands[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in commands]


@pytest.mark.parametrize("block", by_kind("console"), ids=str)
def test_console_block_prints_what_readme_shows(block: Block, scratch: Path) -> None:
    for command, output in _console_commands(block):
        result = subprocess.run(["bash", "-c", command], cwd=scratch, capture_output=True, text=True, timeout=300)
        assert result.stdout.rstrip("\n") == output, f"{block}: `{command}` printed\n{result.stdout}{result.stderr}"


def _shell_lines(block: Block) -> list[str]:
    joined = block.text.replace("\\\n", " ")
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("block", by_kind("run-shell"), ids=str)
def test_shell_block_runs(block: Block, scratch: Path) -> None:
    lines = _shell_lines(block)
    server: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if "background" in block.directive:
        port = re.search(r"port=(\d+)", block.directive)
        assert port, f"{block}: 'background' needs port=N"
        server = _server(lines.pop(0), scratch, int(port[1]))
    with server:
        for line in lines:
            result = subprocess.run(["bash", "-c", line], cwd=scratch, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, (
                f"{block}: `{line}` exited {result.returncode}\n{result.stdout}{result.stderr}"
            )


def _synopsis_command(line: str) -> tuple[list[str], list[str]]:
    """A synopsis line's command (with its subcommand, if any) and the options it names."""
    code = line.split("  #", 1)[0]
    words = shlex.split(code.replace("[", " ").replace("]", " ").replace("|", " "))
    if words[0] in ("python", "python3"):
        command = [sys.executable, "-m", words[2]]
        rest = words[3:]
    else:
        command = [words[0]]
        rest = words[1:]
    if rest and re.fullmatch(r"[a-z][a-z-]*", rest[0]):
        command.append(rest[0])
    options = sorted({w.split("=", 1)[0] for w in rest if w.startswith("--")})
    return command, options


@pytest.mark.parametrize("block", by_kind("synopsis"), ids=str)
def test_synopsis_matches_help(block: Block) -> None:
    for line in _shell_lines(block):
        command, options = _synopsis_command(line)
        result = subprocess.run([*command, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (
            f"{block}: `{' '.join(command)} --help` exited {result.returncode}\n{result.stderr}"
        )
        missing = [o for o in options if o not in result.stdout]
        assert not missing, f"{block}: `{line}` names {missing}, which `{' '.join(command)} --help` does not list"
