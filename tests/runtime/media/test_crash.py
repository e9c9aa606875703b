"""A kill at any point of an update leaves a readable File-set, old or new.

The updating process is killed (SIGKILL) before each of its file operations in turn (the
renames that put new files and the DICOMDIR in place, the deletions of removed files),
and at random times; after each kill the File-set opens, every referenced file exists
and matches its record, and the instances are exactly the old ones or the new ones.
Whatever else the kill left is an orphan file (verify says so) or a hidden temporary."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dicom_runtime.fileformat import read_file
from dicom_runtime.media import FileSet

from .conftest import make_instances

_CHILD = r"""
import os, signal, sys
from pathlib import Path
kill_at = int(sys.argv[2])
count = [0]
def hook(original):
    def call(*args, **kwargs):
        count[0] += 1
        if count[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return call
os.replace = hook(os.replace)
Path.unlink = hook(Path.unlink)
from dicom_runtime.media import FileSet
root = Path(sys.argv[1])
adds = [Path(p) for p in sys.argv[3].split(",")]
removes = sys.argv[4].split(",")
fileset = FileSet.open(root)
print("start", flush=True)
for path in adds:
    fileset.add(path)
for uid in removes:
    fileset.remove(uid)
fileset.write()
print("done", count[0], flush=True)
"""


def _uid(path: Path) -> str:
    return str(read_file(path, stop_before_pixels=True).dataset.value(0x00080018))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[str], set[str], set[str]]:
    base = tmp_path_factory.mktemp("crash")
    old_files = make_instances(base / "old", 6, patients=2, series_per_patient=2)
    new_files = make_instances(base / "new", 4, patients=3, series_per_patient=1)
    fileset = FileSet(base / "original")
    for f in old_files:
        fileset.add(f)
    fileset.write()
    old = {_uid(f) for f in old_files}
    removes = sorted(old)[:3]
    new = (old - set(removes)) | {_uid(f) for f in new_files}
    return base, new_files, removes, old, new


def _run(base: Path, trial: str, adds: list[Path], removes: list[str], kill_at: int, after: float | None = None) -> tuple[Path, str]:
    root = base / trial
    shutil.copytree(base / "original", root)
    args = [sys.executable, "-c", _CHILD, str(root), str(kill_at), ",".join(map(str, adds)), ",".join(removes)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    if after is not None:
        assert child.stdout.readline().strip() == "start"
        time.sleep(after)
        child.send_signal(signal.SIGKILL)
    out, _ = child.communicate(timeout=60)
    return root, out


def _check(root: Path, old: set[str], new: set[str]) -> str:
    fileset = FileSet.open(root)
    problems = fileset.verify()
    assert [p for p in problems if not p.orphan] == []
    present = {r.sop_instance_uid for r in fileset.instances()}
    assert present in (old, new)
    for record in fileset.instances():
        assert read_file(fileset.path_of(record), stop_before_pixels=True).dataset.value(0x00080018) == record.sop_instance_uid
    return "new" if present == new else "old"


def test_killed_before_each_file_operation(prepared: tuple[Path, list[Path], list[str], set[str], set[str]]) -> None:
    base, adds, removes, old, new = prepared
    root, out = _run(base, "complete", adds, removes, kill_at=0)
    operations = int(out.split()[-1])
    assert operations == len(adds) + 1 + len(removes)  # a rename per new file, the DICOMDIR's, a deletion per removed file
    assert _check(root, old, new) == "new"
    outcomes = []
    for kill_at in range(1, operations + 1):
        root, out = _run(base, f"kill{kill_at}", adds, removes, kill_at)
        assert "done" not in out
        outcomes.append(_check(root, old, new))
    # killed before the DICOMDIR's rename: old; after it (during deletions): new
    assert outcomes == ["old"] * (len(adds) + 1) + ["new"] * len(removes)


def test_killed_at_random_times(prepared: tuple[Path, list[Path], list[str], set[str], set[str]]) -> None:
    base, adds, removes, old, new = prepared
    _run(base, "timing", adds, removes, kill_at=0, after=0.0)  # killed at once, right after opening
    root = base / "timing2"
    shutil.copytree(base / "original", root)
    args = [sys.executable, "-c", _CHILD, str(root), "0", ",".join(map(str, adds)), ",".join(removes)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "start"
    started = time.perf_counter()
    child.communicate(timeout=60)
    duration = time.perf_counter() - started  # from the File-set opened to the update done
    rng = random.Random(1810)
    outcomes = []
    for trial in range(8):
        root, _ = _run(base, f"random{trial}", adds, removes, kill_at=0, after=rng.uniform(0, 1.2 * duration))
        outcomes.append(_check(root, old, new))
    assert "old" in outcomes
