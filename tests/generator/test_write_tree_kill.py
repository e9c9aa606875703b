"""``generate --out`` killed at any moment of the swap leaves the output folder either as
it was or wholly new (generate.write_tree).

A process killed by a signal runs no handler, so each case runs ``write_tree`` in a child
process that ends itself with ``os._exit`` just before its Nth call of a step that changes
the folders (``os.rename``, ``generate.exchange``, ``shutil.rmtree``), N = 1, 2, ... until
a run completes; after each, the output folder is read back whole."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dicom_codegen import generate

OLD = {"dicom_model/tags.py": "# the committed output\n", "dicom_model/old_only.py": "# removed by the new output\n"}
NEW = {"dicom_model/tags.py": "# new\n", "dicom_model/uids.py": "# new\n", "model.json": "{}\n"}

_CHILD = textwrap.dedent(
    """
    import os, shutil, sys
    from pathlib import Path
    from dicom_codegen import generate

    kill_at, calls = int(sys.argv[2]), [0]

    def killed_before(real):
        def step(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os._exit(9)
            return real(*args, **kwargs)
        return step

    os.rename = killed_before(os.rename)
    shutil.rmtree = killed_before(shutil.rmtree)
    if hasattr(generate, "exchange"):
        generate.exchange = killed_before(generate.exchange)
    generate.write_tree(Path(sys.argv[1]), {new!r})
    """
)


def _tree(folder: Path) -> dict[str, str] | None:
    if not folder.is_dir():
        return None
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file()}


def _committed(out: Path) -> None:
    for relative, text in OLD.items():
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        (out / relative).write_text(text, encoding="utf-8")


def test_the_two_folders_are_exchanged_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "which").write_text("a", encoding="utf-8")
    (second / "which").write_text("b", encoding="utf-8")
    if not generate.exchange(first, second):
        pytest.skip("this system or file system has no renameat2 exchange: write_tree renames instead")
    assert (first / "which").read_text(encoding="utf-8") == "b"
    assert (second / "which").read_text(encoding="utf-8") == "a"


def test_a_kill_at_any_step_leaves_the_old_output_or_the_new(tmp_path: Path) -> None:
    seen: list[str] = []
    for kill_at in range(1, 10):
        out = tmp_path / str(kill_at) / "out"
        _committed(out)
        child = subprocess.run(
            [sys.executable, "-c", _CHILD.format(new=NEW), str(out), str(kill_at)], capture_output=True, text=True
        )
        assert child.returncode in (0, 9), child.stderr
        found = _tree(out)
        assert found in (OLD, NEW), f"killed before step {kill_at}: {out} holds {found}"
        seen.append("new" if found == NEW else "old")
        if child.returncode == 0:
            break
    else:
        pytest.fail("write_tree never completed in 9 steps")
    assert seen[0] == "old" and seen[-1] == "new", seen
    assert any(generate.leftovers(tmp_path / str(n) / "out") for n in range(1, kill_at)), "no kill left a leftover"


def test_the_next_run_removes_what_a_killed_run_left(tmp_path: Path) -> None:
    """Killed after each step that leaves a hidden sibling (the staging folder written in
    part, or the old output after the exchange), then run again: only ``out`` is left."""
    for kill_at in range(1, 10):
        out = tmp_path / str(kill_at) / "out"
        _committed(out)
        child = subprocess.run(
            [sys.executable, "-c", _CHILD.format(new=NEW), str(out), str(kill_at)], capture_output=True, text=True
        )
        if child.returncode == 0:
            break
        generate.write_tree(out, NEW)
        assert _tree(out) == NEW
        assert [p.name for p in out.parent.iterdir()] == ["out"], f"killed before step {kill_at}"


def test_the_old_output_is_removed_after_the_exchange(tmp_path: Path) -> None:
    out = tmp_path / "work" / "out"
    _committed(out)
    generate.write_tree(out, NEW)
    assert _tree(out) == NEW
    assert [p.name for p in out.parent.iterdir()] == ["out"]
