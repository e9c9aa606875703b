"""``dicom-codegen --help`` and ``--version`` import none of the generator (#19): no lxml,
jinja2, rich or http.client. Read from ``sys.modules`` at the process's exit, less what
``python -c pass`` imports here."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dicom_codegen import cli, fetch

PROBE = """
import json, sys
sys.argv = ["dicom-codegen", *{args!r}]
try:
    from dicom_codegen.cli import main
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""
HEAVY = ("lxml", "jinja2", "rich", "http", "urllib.request", "pathlib", "typing", "dicom_codegen.generate", "dicom_codegen.fetch", "dicom_codegen.update")


def imported(*args: str, baseline: str = "pass") -> tuple[list[str], str]:
    """The heavy modules a run imports beyond what ``baseline`` (a statement) does."""
    run = subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True, timeout=60)
    bare = subprocess.run(
        [sys.executable, "-c", f"import json, sys; {baseline}; print(json.dumps(sorted(sys.modules)), file=sys.stderr)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    modules = set(json.loads(run.stderr.strip().splitlines()[-1])) - set(json.loads(bare.stderr.strip().splitlines()[-1]))
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)), run.stdout


@pytest.mark.parametrize("args", [["--help"], ["generate", "--help"], ["fetch", "--help"]])
def test_help_imports_none_of_the_generator(args: list[str]) -> None:
    found, out = imported(*args)
    assert found == [] and out, found


def test_version_imports_none_of_the_generator() -> None:
    """``--version`` reads the installed package's metadata, and ``importlib.metadata``
    imports pathlib and typing: beyond that, nothing. (Counted from a bare interpreter,
    this failed in a new virtual environment, whose start-up imports neither; this
    machine's site-packages imported both at start-up, which hid it.)"""
    found, out = imported("--version", baseline="import importlib.metadata")
    assert found == [] and out, found


def test_the_probe_sees_a_real_run() -> None:
    found, _ = imported("dump-model", "--standard", "/nonexistent", "-q")
    assert "rich" in found and "dicom_codegen.generate" in found


def test_the_help_names_fetchs_own_defaults() -> None:
    assert (cli.NEMA_BASE_URL, cli.BASE_URL_ENV) == (fetch.NEMA_BASE_URL, fetch.BASE_URL_ENV)


def test_the_version_is_the_one_the_other_commands_print() -> None:
    """``dicom-codegen --version`` printed the release alone (0.3.0) where dicom-net and
    dicom-dump print the installed package's version, with the editions of its model."""
    codegen = subprocess.run([sys.executable, "-m", "dicom_codegen", "--version"], capture_output=True, text=True, timeout=60)
    net = subprocess.run([sys.executable, "-m", "dicom_runtime.net.cli", "--version"], capture_output=True, text=True, timeout=60)
    assert codegen.returncode == 0 and net.returncode == 0
    assert codegen.stdout.startswith("dicom-codegen (dicom-typed) ")
    assert codegen.stdout.split(" ", 1)[1] == net.stdout.split(" ", 1)[1]
    assert "+ps3." in codegen.stdout  # the editions, as in 0.3.0+ps3.2016c.ps4.2020c...
