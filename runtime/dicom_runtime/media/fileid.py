"""File IDs (PS3.10 2020c Section 8.2 and 8.5): one to eight components, each of one to
eight characters among ``A-Z``, ``0-9`` and ``_``, and the one place that turns a File ID
into a path under the File-set's root (never outside it: no ``..``, no absolute path, no
symbolic link that leads out).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import MediaError

#: The characters of File ID components (PS3.10 2020c Section 8.5).
FILE_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
MAX_COMPONENTS = 8
MAX_COMPONENT_LENGTH = 8


def file_id_problem(components: Sequence[str]) -> str | None:
    """Why ``components`` is not a conformant File ID, or None if it is."""
    if not 1 <= len(components) <= MAX_COMPONENTS:
        return f"a File ID has 1 to {MAX_COMPONENTS} components, not {len(components)} ({_show(components)})"
    for component in components:
        if not 1 <= len(component) <= MAX_COMPONENT_LENGTH:
            return f"component {component!r} of {_show(components)} is not 1 to {MAX_COMPONENT_LENGTH} characters long"
        bad = sorted(set(component) - FILE_ID_CHARACTERS)
        if bad:
            return (
                f"component {component!r} of {_show(components)} has characters outside A-Z, 0-9 and _ "
                f"(PS3.10 8.5): {''.join(bad)!r}"
            )
    return None


def _show(components: Sequence[str]) -> str:
    return "\\".join(components)


def _escape_problem(components: Sequence[str]) -> str | None:
    """Why a (possibly non-conformant) File ID could leave the root, or None."""
    if not components:
        return "an empty File ID"
    for component in components:
        if component in ("", ".", ".."):
            return f"File ID {_show(components)} has a {component or 'empty'!r} component: it would leave the File-set's root"
        if "/" in component or "\\" in component or "\0" in component or os.sep in component:
            return f"File ID component {component!r} holds a path separator"
    if os.path.isabs(components[0]) or (len(components[0]) >= 2 and components[0][1] == ":"):
        return f"File ID {_show(components)} is an absolute path"
    return None


def check_file_id(components: Sequence[str], *, source: str, offset: int | None = None, strict: bool = True) -> tuple[str, ...]:
    """``components`` as a tuple, or MediaError naming ``source`` and ``offset``.

    ``strict``: the character rules of PS3.10 8.5 hold too; without it, only what keeps
    the path under the root is required (read File-sets made by lax writers)."""
    problem = _escape_problem(components)
    if problem is None and strict:
        problem = file_id_problem(components)
    if problem is not None:
        raise MediaError(problem, path=source, offset=offset)
    return tuple(components)


def resolve(
    root: Path, components: Sequence[str], *, source: str, offset: int | None = None, strict: bool = True,
    real_root: Path | None = None,
) -> Path:
    """The path of a File ID under ``root``, checked: MediaError if the File ID breaks the
    rules, or if the path, with its symbolic links followed, is not under ``root``
    (``real_root``: ``root.resolve()``, when the caller has it already)."""
    parts = check_file_id(components, source=source, offset=offset, strict=strict)
    path = root.joinpath(*parts)
    real_root = real_root if real_root is not None else root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise MediaError(
            f"Referenced File ID {_show(parts)} leads outside the File-set's root {real_root} (to {real}, by a symbolic link)",
            path=source,
            offset=offset,
        )
    return path


def relative_file_id(root: Path, path: Path, *, source: str) -> tuple[str, ...]:
    """The File ID of a file under ``root`` (its path's components), checked."""
    try:
        parts = path.resolve().relative_to(root.resolve()).parts
    except ValueError:
        raise MediaError(f"{path} is not under the File-set's root {root}", path=source) from None
    return check_file_id(parts, source=source)


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _component(text: str, prefix: str) -> str:
    """A component of 8 characters: ``prefix`` and a base-36 digest of ``text``."""
    number = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    digits = []
    for _ in range(MAX_COMPONENT_LENGTH - len(prefix)):
        number, digit = divmod(number, 36)
        digits.append(_ALPHABET[digit])
    return prefix + "".join(digits)


def new_file_id(
    study_uid: str, series_uid: str, instance_uid: str, taken: Callable[[tuple[str, ...]], bool]
) -> tuple[str, ...]:
    """A conformant File ID for a new instance, ``DICOM\\Sxxxxxxx\\Rxxxxxxx\\Ixxxxxxx``:
    one folder per study and per series (the same ones on every update, as they come from
    the UIDs), the last component unique where ``taken`` says a File ID is in use."""
    study = _component(study_uid, "S")
    series = _component(study_uid + "\\" + series_uid, "R")
    for attempt in range(1000):
        seed = instance_uid if attempt == 0 else f"{instance_uid}\\{attempt}"
        file_id = ("DICOM", study, series, _component(seed, "I"))
        if not taken(file_id):
            return file_id
    raise MediaError(f"no free File ID for instance {instance_uid}", path=instance_uid)  # pragma: no cover
