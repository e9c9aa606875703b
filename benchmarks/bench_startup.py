"""Whole processes as a user runs them (#19): command start-up, ``dicom-dump`` against dcmdump and
``dicom-net store`` against dcmtk's storescu.

Run: ``python -m benchmarks.bench_startup [--rounds R] [--images N] [--only startup|dump|store]``.

Every row is a same-run ratio of whole processes, ours / the reference, run side by side in
interleaved rounds (one of each per round): of the medians, of the bests, and of the median
CPU times (user and system; less sensitive to other work on the machine than wall-clock time):

* **start-up**: ``COMMAND --help`` for each command of ``[project.scripts]`` (dicom-net,
  dicom-dump, dicom-codegen, dicom-validate, dicom-media) against ``python -c pass``; target
  at most 3x. ``python -c "import argparse"`` and ``argparse --help`` (``re`` and argparse
  imported, a parser of one option built and its help printed: what any such command pays) are
  shown as the floor a parser costs;
* **dicom-dump**: a process per file over pydicom's corpus (its ``test_files/*.dcm``), the
  whole corpus per round, against ``dcmdump -Un +Ep`` (the options the tests compare with);
  target at most 3x. ``python -c pass`` per file is shown as the floor (Python's start-up);
* **dicom-net store**: N CT images of about 40 KB (pydicom's CT_small.dcm, 140 x 140
  pixels, new UIDs) over one association to dcmtk's storescp, against storescu with the same
  files, peer and flags (``-aec BENCH``; dcmtk with ``TCP_NODELAY=1``); target at most 1.0x.

The commands run as their console scripts do (``from MODULE import main; sys.exit(main())``)
with this interpreter. Bytecode is cached in a scratch ``PYTHONPYCACHEPREFIX`` (and
``PYTHONDONTWRITEBYTECODE`` dropped), as an installed package has its modules compiled; one
unmeasured run of each command fills it. ``--as-is`` keeps the environment as it is (where
``PYTHONDONTWRITEBYTECODE`` is set, every process compiles every module it imports).
``--no-site`` runs Python with ``-S``: a machine whose site-packages hold ``.pth`` files that
import modules (this one's costs 20-40 ms a process, more than the interpreter's own start-up)
is then measured as an interpreter without them; the repository is on ``PYTHONPATH`` either way.

``--wheel`` measures the commands as a user who installed the package runs them: a wheel is built
from the repository (``pip wheel``), installed with its dependencies into a fresh virtual
environment in the scratch folder, and the commands are its console scripts (``bin/dicom-dump``,
which pip writes; they import ``re`` before the command's module), with that environment's
``python -c pass`` as the floor. Its interpreter processes no ``.pth`` file of this machine and
its modules were compiled at install time (what ``--no-site`` and the scratch bytecode cache
approximate for the repository).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import pydicom.data

from dicom_runtime.dataset import DataElement
from dicom_runtime.fileformat import read_file, write_file

REPO = Path(__file__).resolve().parent.parent
TEST_FILES = Path(pydicom.data.__file__).parent / "test_files"
CT_SMALL = TEST_FILES / "CT_small.dcm"
DCMTK_ENV = {**os.environ, "TCP_NODELAY": "1"}
PYTHON = [sys.executable]
"""The interpreter every Python process runs with (``-S`` added by ``--no-site``)."""


def scripts() -> dict[str, str]:
    """The commands of pyproject's ``[project.scripts]``: name -> ``module:function``."""
    table = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    return {str(name): str(target) for name, target in sorted(table.items())}


SCRIPTS: list[Path] = []
"""``--wheel``: the folder of the installed console scripts (empty: run them with ``-c``)."""


def command(target: str, name: str, *args: str) -> list[str]:
    """What the console script ``name`` runs, with this interpreter (``--wheel``: the script)."""
    if SCRIPTS:
        return [str(SCRIPTS[0] / name), *args]
    module, _, function = target.partition(":")
    code = f"import sys; sys.argv[0] = {name!r}; from {module} import {function}; sys.exit({function}())"
    return [*PYTHON, "-c", code, *args]


def install_wheel(scratch: Path) -> dict[str, str]:
    """Build a wheel of the repository, install it into a fresh virtual environment (with its
    dependencies) and run from there: the environment the commands then run in."""
    wheels, venv = scratch / "wheel", scratch / "venv"
    for argv in (
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        [sys.executable, "-m", "venv", str(venv)],
    ):
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    built = [str(p) for p in sorted(wheels.glob("*.whl"))]
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *built], stdout=subprocess.DEVNULL, check=True)
    SCRIPTS.append(venv / "bin")
    PYTHON[:] = [str(venv / "bin" / "python")]
    return {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}


def environment(scratch: Path, as_is: bool) -> dict[str, str]:
    paths = [REPO / "runtime", REPO / "generated", REPO / "generator", REPO]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}
    if not as_is:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    return env


def timed(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def timed_ok(argv: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{argv[0]} ... exited {result.returncode}: {result.stderr.decode(errors='replace')[-500:]}")
    return elapsed


Rows = dict[str, list[float]]
CPU: Rows = {}
"""Each entry's CPU time (user and system, of its processes) per round, beside its wall-clock time:
on a shared machine the wall-clock time also holds the waits for a core."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def interleaved(runs: Mapping[str, tuple[Sequence[Sequence[str]], dict[str, str]]], rounds: int, *, check: bool = False) -> Rows:
    """Each entry's time per round: all its commands one after the other, entries in turn."""
    times: Rows = {name: [] for name in runs}
    for name, (argvs, env) in runs.items():  # warm-up: bytecode cache, page cache
        for argv in argvs[:3]:
            timed(argv, env)
    for _ in range(rounds):
        for name, (argvs, env) in runs.items():
            run = timed_ok if check else timed
            before = _cpu()
            times[name].append(sum(run(argv, env) for argv in argvs))
            CPU.setdefault(name, []).append(_cpu() - before)
    return times


def row(label: str, ours: list[float], reference_label: str, reference: list[float], target: float) -> str:
    ratio = statistics.median(ours) / statistics.median(reference)
    best = min(ours) / min(reference)
    cpu = statistics.median(CPU.get(label, [0.0])) / max(statistics.median(CPU.get(reference_label, [1.0])), 1e-9)
    verdict = "ok" if ratio <= target else "OVER"
    return (
        f"{label:34} {statistics.median(ours) * 1000:9.1f} {reference_label:22} {statistics.median(reference) * 1000:9.1f}"
        f" {ratio:6.2f} {best:6.2f} {cpu:6.2f}  <= {target:.1f}x {verdict}"
    )


HEADER = f"{'ours':34} {'ms (med)':>9} {'reference':22} {'ms (med)':>9} {'median':>6} {'best':>6} {'cpu':>6}  target"


#: The floor of a command's ``--help``: what pip's console script imports (``re``), argparse, a
#: parser of one option and its help printed (the shutil argparse imports for the width included).
ARGPARSE_HELP = "import re, argparse; p = argparse.ArgumentParser(prog='x', description='y'); p.add_argument('--z'); p.parse_args()"


def startup(env: dict[str, str], rounds: int) -> list[str]:
    bare = [*PYTHON, "-c", "pass"]
    runs = {
        "python -c pass": ([bare], env),
        "import argparse": ([[*PYTHON, "-c", "import argparse"]], env),
        "argparse --help": ([[*PYTHON, "-c", ARGPARSE_HELP, "--help"]], env),
    }
    for name, target in scripts().items():
        runs[f"{name} --help"] = ([command(target, name, "--help")], env)
    times = interleaved(runs, rounds)
    lines = [row(name, t, "python -c pass", times["python -c pass"], 3.0) for name, t in times.items() if name != "python -c pass"]
    return lines


def dump(env: dict[str, str], rounds: int) -> list[str]:
    corpus = sorted(TEST_FILES.glob("*.dcm"))
    target = scripts()["dicom-dump"]
    runs = {
        "dicom-dump, a process per file": ([command(target, "dicom-dump", str(p)) for p in corpus], env),
        "dcmdump -Un +Ep": ([["/usr/bin/dcmdump", "-Un", "+Ep", str(p)] for p in corpus], dict(os.environ)),
        "python -c pass, per file": ([[*PYTHON, "-c", "pass"] for _ in corpus], env),
    }
    times = interleaved(runs, rounds)
    reference = times["dcmdump -Un +Ep"]
    return [
        f"({len(corpus)} files of pydicom's corpus a round; python -c pass per file is the floor)",
        row("dicom-dump, a process per file", times["dicom-dump, a process per file"], "dcmdump -Un +Ep", reference, 3.0),
        row("python -c pass, per file", times["python -c pass, per file"], "dcmdump -Un +Ep", reference, 3.0),
    ]


def make_images(folder: Path, count: int) -> list[Path]:
    """CT images of about 40 KB: pydicom's CT_small.dcm with 140 x 140 pixels and new UIDs."""
    folder.mkdir(parents=True, exist_ok=True)
    dataset = read_file(CT_SMALL).dataset
    dataset[0x00280010] = DataElement(0x00280010, "US", 140)
    dataset[0x00280011] = DataElement(0x00280011, "US", 140)
    paths = []
    for index in range(count):
        dataset[0x00080018] = DataElement(0x00080018, "UI", f"1.2.826.0.1.3680043.10.19.{index + 1}")
        dataset[0x7FE00010] = DataElement(0x7FE00010, "OW", bytes((index + i) & 0xFF for i in range(140 * 140 * 2)))
        path = folder / f"ct{index:04d}.dcm"
        write_file(path, dataset)
        paths.append(path)
    return paths


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def store(env: dict[str, str], rounds: int, scratch: Path, count: int) -> list[str]:
    files = [str(p) for p in make_images(scratch / "images", count)]
    out = scratch / "received"
    out.mkdir()
    port = _free_port()
    scp = subprocess.Popen(["/usr/bin/storescp", "-aet", "BENCH", "-od", str(out), str(port)], env=DCMTK_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(port)
        ours = command(scripts()["dicom-net"], "dicom-net", "store", "127.0.0.1", str(port), "--aec", "BENCH", *files)
        theirs = ["/usr/bin/storescu", "-aec", "BENCH", "127.0.0.1", str(port), *files]
        times = interleaved({"dicom-net store": ([ours], env), "storescu": ([theirs], DCMTK_ENV)}, rounds, check=True)
        received = sum(1 for p in out.iterdir() if p.is_file())
    finally:
        scp.terminate()
        scp.wait(20)
    return [
        f"({count} CT images of {os.path.getsize(files[0]) // 1024} KB over one association to dcmtk's storescp; {received} distinct instances received)",
        row("dicom-net store", times["dicom-net store"], "storescu", times["storescu"], 1.0),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds (start-up; dump and store use a third of them, at least 3)")
    parser.add_argument("--images", type=int, default=500, help="instances dicom-net store and storescu send")
    parser.add_argument("--only", choices=("startup", "dump", "store"), action="append", help="only these rows (repeatable)")
    parser.add_argument("--as-is", action="store_true", help="run the commands in this environment as it is (no bytecode cache where it is off)")
    parser.add_argument(
        "--no-site", action="store_true",
        help="run Python with -S (the repository on PYTHONPATH): the .pth files of this machine's site-packages are not "
        "processed, where one can cost more than the interpreter's own start-up",
    )
    parser.add_argument(
        "--wheel", action="store_true",
        help="build a wheel, install it into a fresh virtual environment and run its console scripts, as a user does",
    )
    args = parser.parse_args(argv)
    if args.wheel and (args.no_site or args.as_is):
        parser.error("--wheel runs the installed scripts as they are: not with --no-site or --as-is")
    if args.no_site:
        PYTHON.append("-S")
    parts = args.only or ["startup", "dump", "store"]
    with tempfile.TemporaryDirectory() as name:
        scratch = Path(name)
        if args.wheel:
            env = install_wheel(scratch)
            cache = "the wheel installed in a fresh virtual environment, its console scripts"
        else:
            env = environment(scratch, args.as_is)
            cache = "as the environment has it" if args.as_is else "bytecode cached in a scratch PYTHONPYCACHEPREFIX"
        site = "; python -S (no site)" if args.no_site else ""
        print(f"Whole processes, interleaved, {args.rounds} rounds (median, and best against best); {cache}{site}; {os.cpu_count()} cores")
        print(HEADER)
        few = max(3, args.rounds // 3)
        if "startup" in parts:
            print("\n".join(startup(env, args.rounds)))
        if "dump" in parts:
            print("\n".join(dump(env, few)))
        if "store" in parts:
            print("\n".join(store(env, few, scratch, args.images)))
        shutil.rmtree(scratch / "pycache", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
