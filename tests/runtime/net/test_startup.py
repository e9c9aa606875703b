"""Commands start fast (#19): ``--help`` and ``--version`` import no DICOM code, no asyncio,
ssl or rich. What a process imported is read from ``sys.modules`` at its exit, less what
``python -c pass`` imports on this machine; the times are benchmarks/bench_startup.py's."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dicom_runtime.net import aio, cli_args, dimse, spill, storage

PROBE = """
import json, sys
sys.argv = [{name!r}, *{args!r}]
try:
    from {module} import main
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

#: Modules that neither ``--help`` nor ``--version`` may load.
HEAVY = (
    "asyncio", "ssl", "rich", "logging", "pathlib", "importlib.metadata", "json",
    "dicom_runtime.dictionary", "dicom_runtime.dataset", "dicom_runtime.reader", "dicom_runtime.fileformat",
    "dicom_runtime.typed", "dicom_runtime.objects", "dicom_runtime.net.aio", "dicom_runtime.net.association",
    "dicom_runtime.net.storage", "dicom_model",
)


_LIST = "print(json.dumps(sorted(sys.modules)), file=sys.stderr)"


def _loaded(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``code`` (which prints them, as PROBE does)."""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


@functools.cache
def _bare() -> set[str]:
    """A bare interpreter's modules (json's own included: the probes use it)."""
    return _loaded(f"import json, sys; {_LIST}")


def imported(module: str, name: str, *args: str) -> tuple[set[str], str]:
    """The modules a command's process imported beyond a bare interpreter's, and its output."""
    run = subprocess.run([sys.executable, "-c", PROBE.format(name=name, args=list(args), module=module)], capture_output=True, text=True, timeout=60)
    modules = set(json.loads(run.stderr.strip().splitlines()[-1]))
    return modules - _bare() - {"json", "json.decoder", "json.scanner", "json.encoder"}, run.stdout


@functools.cache
def _metadata_imports() -> set[str]:
    """What ``import importlib.metadata`` loads beyond a bare interpreter (pathlib among them,
    where the interpreter's site did not load it already: a virtual environment's does not)."""
    return _loaded(f"import importlib.metadata, json, sys; {_LIST}") - _bare()


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("dicom_runtime.net.cli", "dicom-net"), ("dicom_runtime.dump", "dicom-dump"), ("dicom_runtime.validate", "dicom-validate"),
        ("dicom_runtime.media.cli", "dicom-media"),
    ],
)
@pytest.mark.parametrize("option", ["--help", "--version"])
def test_help_and_version_import_no_dicom_code(module: str, name: str, option: str) -> None:
    modules, out = imported(module, name, option)
    if option == "--version":  # the installed package's version is read from its metadata, with what that imports
        modules = {m for m in modules if not m.startswith("importlib.metadata")} - _metadata_imports()
    assert heavy(modules) == [], heavy(modules)
    assert (f"usage: {name}" in out) if option == "--help" else out.startswith(f"{name} (dicom-typed) 0.")


def test_a_subcommands_help_imports_nothing_either() -> None:
    for sub in ("store", "scp", "find", "conformance"):
        modules, out = imported("dicom_runtime.net.cli", "dicom-net", sub, "--help")
        assert heavy(modules) == [] and f"usage: dicom-net {sub}" in out, (sub, heavy(modules))


def test_the_probe_sees_heavy_imports() -> None:
    """The check can fail: a command that reads a file does import the dictionary and the reader."""
    modules, _ = imported("dicom_runtime.dump", "dicom-dump", "/nonexistent.dcm")
    assert {"dicom_runtime.dictionary", "dicom_runtime.reader"} <= set(heavy(modules))
    modules, _ = imported("dicom_runtime.net.cli", "dicom-net", "echo", "127.0.0.1", "1", "--timeout", "1")
    assert {"asyncio", "dicom_runtime.net.aio"} <= set(heavy(modules))


def test_the_defaults_the_help_shows_are_the_modules_own() -> None:
    assert cli_args.DEFAULT_MAX_MESSAGE_SIZE == dimse.DEFAULT_MAX_MESSAGE_SIZE
    assert cli_args.DEFAULT_MESSAGE_BUDGET == aio.DEFAULT_MESSAGE_BUDGET
    assert (cli_args.DEFAULT_SPILL_THRESHOLD, cli_args.DEFAULT_SPILL_BUDGET) == (spill.DEFAULT_SPILL_THRESHOLD, spill.DEFAULT_SPILL_BUDGET)
    assert cli_args.DUPLICATE_POLICIES == storage.DUPLICATE_POLICIES
    assert cli_args.JOURNAL_SUBFOLDER == storage.JOURNAL_SUBFOLDER


def test_the_package_names_are_the_modules_own_and_imported_when_used() -> None:
    code = (
        "import json, sys, dicom_runtime\n"
        "before = 'dicom_runtime.dictionary' in sys.modules\n"
        "entry = dicom_runtime.lookup('PatientName')\n"
        "print(json.dumps([before, 'dicom_runtime.dictionary' in sys.modules, entry.tag]))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == [False, True, 0x00100010]
    import dicom_runtime
    from dicom_runtime import dataset, dictionary, errors, fileformat, typed

    homes = (dataset, dictionary, errors, fileformat, typed)
    for name in dicom_runtime.__all__:
        assert any(getattr(home, name, None) is getattr(dicom_runtime, name) for home in homes), name
    assert set(dicom_runtime.__all__) <= set(dir(dicom_runtime))
    with pytest.raises(AttributeError, match="no attribute 'lookupp'"):
        dicom_runtime.lookupp  # type: ignore[attr-defined]  # noqa: B018


def test_help_imports_no_typing_in_an_interpreter_without_site() -> None:
    """Where site imports typing (this machine's site-packages .pth files do), the tests above
    cannot see it: run with -S, the packages' folders on PYTHONPATH."""
    import dicom_codegen
    import dicom_model
    import dicom_runtime

    paths = os.pathsep.join(str(Path(str(m.__file__)).parent.parent) for m in (dicom_runtime, dicom_codegen, dicom_model))
    env = {**os.environ, "PYTHONPATH": paths}

    def modules(module: str, name: str, *args: str) -> set[str]:
        code = PROBE.format(name=name, args=list(args), module=module)
        run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60, env=env)
        return set(json.loads(run.stderr.strip().splitlines()[-1]))

    commands = (
        ("dicom_runtime.net.cli", "dicom-net"), ("dicom_runtime.dump", "dicom-dump"), ("dicom_runtime.validate", "dicom-validate"),
        ("dicom_codegen.cli", "dicom-codegen"), ("dicom_runtime.media.cli", "dicom-media"),
    )
    for module, name in commands:
        loaded = modules(module, name, "--help")
        assert "typing" not in loaded, name
        # the parsers find the terminal's width without shutil (cli_parsing; dicom-codegen's own)
        assert not {"shutil", "dataclasses", "inspect"} & loaded, (name, {"shutil", "dataclasses", "inspect"} & loaded)
    assert "typing" in modules("dicom_runtime.dump", "dicom-dump", "/nonexistent.dcm")  # the probe sees it when it is imported
