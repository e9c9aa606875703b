"""The generated model's costs at full scale, against pydicom and the tools' floors.

Run: ``python -m benchmarks.bench_model [--sources excerpt,innolitics,highdicom] [--rounds 3]
[--generated innolitics=DIR]`` (``--generated``: a model already generated into ``DIR``).

For each source (the committed model of the PS3.3 excerpt, and the full-scale
reconstructions of ``tests.reconstruction``: innolitics, 143 IODs; highdicom 2024c,
175 IODs), generated into a scratch folder:

* ``generate`` and ``generate --check``: wall time (target: at most 60 s at full scale);
* size: the installed package ``dicom_model`` and a wheel of it (deflate; every file:
  the ``.py`` and their ``.pyi`` stubs), targets at most 30 MB and 6 MB; how many
  attributes are ``Literal``-typed;
* mypy ``--strict``, empty cache, on a program building one IOD (CT Image) and one
  building five (CT, MR, Segmentation, Enhanced MR, Comprehensive SR), against the same
  programs written with pydicom's ``Dataset``; ratio targets 1.0x and 1.5x; peak memory;
* jedi's first completion in a fresh process with empty caches (target at most 1 s),
  beside jedi's floors (any completion; a one-field dataclass's keyword) and the time
  parso spent parsing in each, by where the files are; and the same completion with the
  caches those two floors' completions left (an editor that has completed before and
  meets dicom_model for the first time);
* pyright on the five-IOD program against pyright on a one-line file (target 1.5x),
  beside the same program on pydicom's ``Dataset`` and on stand-ins: dataclasses of the
  same keyword parameters typed ``object`` and importing nothing (``typing_programs``),
  the cost of constructors of that size whatever the model; and where pyright's time
  goes (``--stats``: files parsed and bound, seconds per stage) on the one-line file and ours.

Ratios are taken within a round (ours and theirs side by side) and the median printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIVE = ["CTImageStorage", "MRImageStorage", "SegmentationStorage", "EnhancedMRImageStorage", "ComprehensiveSRStorage"]
#: The excerpt has four IODs: its "five-IOD" program builds those four.
EXCERPT = ["CTImageStorage", "EnhancedCTImageStorage", "RTDoseStorage", "EnhancedXAImageStorage"]
PYRIGHT = REPO / ".tools" / "node_modules" / ".bin" / "pyright"


#: Runs a command and prints its peak resident memory: a small launcher forks and execs
#: it, so the figure is the command's own (a child forked from this process would count
#: this process's pages until its exec).
_LAUNCHER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execvp(sys.argv[1], sys.argv[1:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "sys.stdout.flush()\n"
    "print(f'\\nPEAK-KB {usage.ru_maxrss}', flush=True)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def _measured(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and output of one process."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _LAUNCHER, *command], cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    output, _, peak = (result.stdout + result.stderr).rpartition("\nPEAK-KB ")
    return elapsed, int(peak.split()[0]) / 1024, output


def _environment(generated: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(generated), str(REPO / "runtime"), str(REPO / "generator"), str(REPO)])
    env["MYPYPATH"] = os.pathsep.join([str(generated), str(REPO / "runtime")])
    return env


def _generate(standard: Path, out: Path, check: bool) -> float:
    command = [sys.executable, "-m", "dicom_codegen", "generate", "-q", "--standard", str(standard), "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(command + (["--check"] if check else []), check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - start


def _sizes(package: Path, scratch: Path) -> tuple[float, float]:
    installed = sum(p.stat().st_size for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    wheel = scratch / "dicom_model.zip"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:  # the .py, their .pyi stubs, py.typed
                archive.write(path, path.relative_to(package.parent).as_posix())
    return installed / 1e6, wheel.stat().st_size / 1e6


def _literal_count(env: dict[str, str], scratch: Path) -> str:
    script = textwrap.dedent(
        """
        import dataclasses
        from dicom_model import iods, modules, macros
        total = literal = 0
        for package in (iods, modules, macros):
            for name in package.CLASSES:
                for f in dataclasses.fields(package.load(name)):
                    if f.name == "extra_elements":
                        continue
                    total += 1
                    literal += "Literal[" in str(f.type)
        print(f"{literal} of {total} attribute fields are Literal-typed")
        """
    )
    return subprocess.run([sys.executable, "-c", script], env=env, cwd=scratch, capture_output=True, text=True, check=True).stdout.strip()


#: What jedi's first completion is measured on: a program, where the cursor is (the end),
#: a completion that must be offered. The floors: any completion at all (jedi parses its
#: typeshed's builtins.pyi and typing on every cold start), and a constructor keyword of a
#: one-field dataclass (dataclasses' stub and source besides).
_JEDI_FLOORS = {
    "any completion (x.re after x = 1)": ("x = 1\nx.re", "real"),
    "a one-field dataclass's keyword": (
        "from dataclasses import dataclass\n\n\n@dataclass(kw_only=True)\nclass C:\n    PatientName: str\n\n\nC(Patient",
        "PatientName=",
    ),
}


def _jedi_first_completion(
    env: dict[str, str], scratch: Path, source: str, expected: str, warm: bool = False
) -> tuple[float, dict[str, float]]:
    """Seconds of jedi's first completion at the end of ``source``, in a fresh process with
    empty jedi and parso caches (jedi itself already imported, as in an editor), and the
    seconds of it parso spent parsing, by where the parsed files are. ``warm``: the caches
    are those one earlier completion left, one that read nothing of dicom_model (``x.re``
    after ``x = 1``, and a one-field dataclass's keyword): an editor that has completed
    before, meeting the model for the first time."""
    cache = scratch / "jedi-cache"
    shutil.rmtree(cache, ignore_errors=True)
    if warm:
        for earlier, wanted in _JEDI_FLOORS.values():
            _jedi_first_completion_in(env, scratch, cache, earlier, wanted)
    return _jedi_first_completion_in(env, scratch, cache, source, expected)


def _jedi_first_completion_in(env: dict[str, str], scratch: Path, cache: Path, source: str, expected: str) -> tuple[float, dict[str, float]]:
    last = source.splitlines()[-1]
    script = textwrap.dedent(
        f"""
        import json, time
        import jedi, parso.grammar
        jedi.settings.cache_directory = {str(cache / "jedi")!r}
        parsed = {{}}
        plain_parse = parso.grammar.Grammar.parse
        def timed_parse(self, code=None, **options):
            started = time.perf_counter()
            try:
                return plain_parse(self, code, **options)
            finally:
                where = options.get("path") or getattr(options.get("file_io"), "path", None)
                parsed[str(where)] = parsed.get(str(where), 0.0) + time.perf_counter() - started
        parso.grammar.Grammar.parse = timed_parse
        started = time.perf_counter()
        found = jedi.Script({source!r}, path={str(scratch / "ide.py")!r}).complete({source.count(chr(10)) + 1}, {len(last)})
        elapsed = time.perf_counter() - started
        assert any(c.name == {expected!r} for c in found), [c.name for c in found]
        print(json.dumps({{"elapsed": elapsed, "parsed": parsed}}))
        """
    )
    env = {**env, "XDG_CACHE_HOME": str(cache)}
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=scratch, capture_output=True, text=True, check=True)
    measured = json.loads(result.stdout)
    generated = env["PYTHONPATH"].split(os.pathsep)[0]
    runtime = str(REPO / "runtime")
    by_place: dict[str, float] = {}
    for path, seconds in measured["parsed"].items():
        place = "dicom_model" if path.startswith(generated) else "dicom_runtime" if path.startswith(runtime) else "jedi's typeshed and Python's own"
        if path.startswith(str(scratch)):
            place = "the edited file"
        by_place[place] = by_place.get(place, 0.0) + seconds
    return float(measured["elapsed"]), by_place


def _jedi_rows(label: str, env: dict[str, str], scratch: Path, iod: str, rounds: int) -> None:
    """jedi's first completion of an IOD keyword beside jedi's floors, as a table."""
    from dicom_codegen.passes_objects import file_name

    ours = (f"from dicom_model.iods.{file_name(iod)} import {iod}\n{iod}(Patient", "PatientName=")
    cases = {f"{iod}(Patient": (*ours, False)}
    cases.update({name: (*case, False) for name, case in _JEDI_FLOORS.items()})
    cases[f"{iod}(Patient, jedi's own caches warm"] = (*ours, True)
    times: dict[str, list[float]] = {name: [] for name in cases}
    parsing: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (source, expected, warm) in cases.items():
            elapsed, by_place = _jedi_first_completion(env, scratch, source, expected, warm)
            times[name].append(elapsed)
            parsing[name].append(by_place)
    print(f"[{label}] jedi {jedi_version()}, first completion in a fresh process, cold caches ({rounds} rounds; target <= 1.0 s):")
    print("    (the last row: caches an earlier completion left that read nothing of dicom_model, the first two rows')")
    print(f"    {'completion':<42} {'median':>7} {'min':>6}  parso's parsing in it (median)")
    for name in cases:
        places = sorted({place for run in parsing[name] for place in run})
        parts = ", ".join(f"{place} {statistics.median(run.get(place, 0.0) for run in parsing[name]):.2f} s" for place in places)
        print(f"    {name:<42} {statistics.median(times[name]):>6.2f}s {min(times[name]):>5.2f}s  {parts}")


def jedi_version() -> str:
    import jedi

    return str(jedi.__version__)


def _pyright_rows(label: str, generated: Path, scratch: Path, env: dict[str, str], many: int, rounds: int) -> None:
    """pyright on the five-IOD program, the same program on pydicom and on stand-in
    classes, against a one-line file, as a table of medians and per-round ratios."""
    (scratch / "trivial.py").write_text("x: int = 1\n", encoding="utf-8")
    config = {"extraPaths": [str(generated), str(REPO / "runtime")]}
    (scratch / "pyrightconfig.json").write_text(json.dumps(config), encoding="utf-8")
    programs = {
        "one-line file": "trivial.py",
        f"{many} IODs, pydicom's Dataset": f"theirs_{many}.py",
        f"{many} IODs, stand-ins typed object": f"standin_{many}.py",
        f"{many} IODs, stand-ins typed as ours": f"typed_{many}.py",
        f"{many} IODs, ours": f"ours_{many}.py",
    }
    times: dict[str, list[float]] = {name: [] for name in programs}
    ratios: dict[str, list[float]] = {name: [] for name in programs}
    for round_ in range(rounds):
        order = list(programs.items()) if round_ % 2 == 0 else list(reversed(programs.items()))
        got = {}
        for name, program in order:
            elapsed, _, output = _measured([str(PYRIGHT), "--pythonpath", sys.executable, program], scratch, env)
            if "0 errors" not in output:
                raise SystemExit(f"pyright found problems in {program}:\n{output}")
            got[name] = elapsed
            times[name].append(elapsed)
        for name in programs:
            ratios[name].append(got[name] / got["one-line file"])
    version = subprocess.run([str(PYRIGHT), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"[{label}] {version}, whole run of the CLI ({rounds} rounds; target: ours <= 1.5x the one-line file):")
    print(f"    {'program':<36} {'median':>7} {'ratio':>6}")
    for name in programs:
        print(f"    {name:<36} {statistics.median(times[name]):>6.2f}s {statistics.median(ratios[name]):>5.2f}x")
    _pyright_stages(label, scratch, env, {"one-line file": "trivial.py", f"{many} IODs, ours": f"ours_{many}.py"})


#: The stages of ``pyright --stats`` printed, as it names them.
_PYRIGHT_STAGES = ("Tokenize", "Parse", "Resolve Imports", "Bind", "Check")


def _pyright_stages(label: str, scratch: Path, env: dict[str, str], programs: dict[str, str]) -> None:
    """Where pyright's time goes (one run of ``--stats`` each): files parsed and bound, and
    the seconds of each stage."""
    print(f"[{label}] pyright --stats, one run each: files parsed and bound; seconds per stage")
    print(f"    {'program':<36} {'files':>5} " + " ".join(f"{stage:>15}" for stage in _PYRIGHT_STAGES))
    for name, program in programs.items():
        result = subprocess.run([str(PYRIGHT), "--pythonpath", sys.executable, "--stats", program], cwd=scratch, env=env, capture_output=True, text=True)
        found: dict[str, str] = {}
        for line in result.stdout.splitlines():
            key, _, value = line.partition(":")
            found[key.strip()] = value.strip().removesuffix("sec")
        files = found.get("Total files parsed and bound", "?")
        print(f"    {name:<36} {files:>5} " + " ".join(f"{found.get(stage, '?'):>15}" for stage in _PYRIGHT_STAGES))


def _mypy(program: str, env: dict[str, str], scratch: Path, tag: str) -> tuple[float, float]:
    cache = scratch / f"mypy-cache-{tag}"
    shutil.rmtree(cache, ignore_errors=True)
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(cache), program]
    elapsed, peak, output = _measured(command, scratch, env)
    if "Success" not in output:
        raise SystemExit(f"mypy found problems in {program}:\n{output}")
    return elapsed, peak


def measure(label: str, generated: Path, rounds: int, timings: dict[str, float], keywords: list[str]) -> None:
    env = _environment(generated)
    with tempfile.TemporaryDirectory(prefix="bench-model-") as scratch_name:
        scratch = Path(scratch_name)
        installed, wheel = _sizes(generated / "dicom_model", scratch)
        if timings:
            print(f"[{label}] {', '.join(f'{k} {v:.1f} s' for k, v in timings.items())} (target <= 60 s each)")
        print(f"[{label}] size: package {installed:.1f} MB (target <= 30), wheel {wheel:.2f} MB (target <= 6); {_literal_count(env, scratch)}")
        names = subprocess.run(
            [sys.executable, "-m", "benchmarks.typing_programs", str(scratch), *keywords],
            env=env, cwd=REPO, capture_output=True, text=True,
        )
        if names.returncode != 0:
            print(f"[{label}] typing programs: {names.stdout.strip() or names.stderr.strip().splitlines()[-1]}; skipped")
            return
        classes = names.stdout.split()
        many = len(classes)
        ratios: dict[int, list[float]] = {1: [], many: []}
        peaks: dict[str, float] = {}
        times: dict[str, list[float]] = {}
        for round_ in range(rounds):
            for count in (1, many):
                order = ("ours", "theirs") if round_ % 2 == 0 else ("theirs", "ours")
                result = {}
                for who in order:
                    elapsed, peak = _mypy(f"{who}_{count}.py", env, scratch, f"{who}{count}")
                    result[who] = elapsed
                    peaks[f"{who}{count}"] = max(peak, peaks.get(f"{who}{count}", 0.0))
                    times.setdefault(f"{who}{count}", []).append(elapsed)
                ratios[count].append(result["ours"] / result["theirs"])
        for count, target in ((1, 1.0), (many, 1.5)):
            ours, theirs = statistics.median(times[f"ours{count}"]), statistics.median(times[f"theirs{count}"])
            print(
                f"[{label}] mypy --strict, {count} IOD{'s' if count > 1 else ''} ({', '.join(classes[:count])}): ours {ours:.2f} s "
                f"({peaks[f'ours{count}']:.0f} MB), pydicom {theirs:.2f} s ({peaks[f'theirs{count}']:.0f} MB); "
                f"ratio {statistics.median(ratios[count]):.2f}x (target <= {target:.1f}x)"
            )
        _jedi_rows(label, env, scratch, classes[0], max(rounds, 5))
        if PYRIGHT.is_file():
            _pyright_rows(label, generated, scratch, env, many, rounds)


def import_ratio(rounds: int) -> None:
    def best(command: list[str]) -> float:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return min(times)

    baseline = best([sys.executable, "-c", "pass"])
    ours = best([sys.executable, "-c", "from dicom_model.iods.ct_image import CTImage"])
    theirs = best([sys.executable, "-c", "import pydicom"])
    print(
        f"import one IOD class: {1000 * (ours - baseline):.1f} ms; import pydicom: {1000 * (theirs - baseline):.1f} ms "
        f"(interpreter start {1000 * baseline:.1f} ms subtracted); ratio {(ours - baseline) / (theirs - baseline):.2f}x (target <= 1.00x)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Costs of the generated model at full scale.")
    parser.add_argument("--sources", default="excerpt,innolitics,highdicom")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--generated", action="append", default=[], metavar="SOURCE=DIR",
        help="measure a model already generated into DIR for SOURCE (generate is then not timed)",
    )
    args = parser.parse_args(argv)
    prebuilt = dict(item.split("=", 1) for item in args.generated)
    print(f"{os.cpu_count()} CPUs; {_load()} (others' work on the machine slows every row; the ratios are within a round)")
    import_ratio(max(args.rounds, 5))
    for source in args.sources.split(","):
        if source == "excerpt":
            measure("excerpt", REPO / "generated", args.rounds, {}, EXCERPT)
            continue
        if source in prebuilt:
            measure(source, Path(prebuilt[source]), args.rounds, {}, FIVE)
            continue
        from tests.reconstruction.layout import build

        with tempfile.TemporaryDirectory(prefix=f"bench-{source}-") as folder_name:
            folder = Path(folder_name)
            build(source, folder / "standard")
            out = folder / "generated"
            timings = {"generate": _generate(folder / "standard", out, check=False)}
            timings["generate --check"] = _generate(folder / "standard", out, check=True)
            measure(source, out, args.rounds, timings, FIVE)
    print(_load())
    return 0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}, {five:.1f}, {fifteen:.1f}"


if __name__ == "__main__":
    sys.exit(main())
