"""``dicom-codegen fetch``: put parts of the standard into ``standard_xml/EDITION/``.

From NEMA (``https://dicom.nema.org/medical/dicom/<EDITION>/source/docbook/partNN/
partNN.xml``) or, with ``--from DIR``, from a local mirror laid out as
``DIR/EDITION/partNN.xml``. Every file is checked against the manifest's sha256
where one is known, written under a temporary name and renamed into place, so a
failed or interrupted fetch never leaves a partial file behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .manifest import PARTS, Manifest, part_file

NEMA_URL = "https://dicom.nema.org/medical/dicom/{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"


@dataclass(frozen=True)
class Fetched:
    edition: str
    part: int
    path: Path
    sha256: str
    verified: bool  # the manifest knew the sha256 and it matched
    origin: str


def _download(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "dicom-codegen"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data: bytes = response.read()
    return data


def _store(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fetch_part(
    manifest: Manifest,
    standard: Path,
    edition: str,
    part: int,
    *,
    source_dir: Path | None,
    timeout: float = 30.0,
) -> Fetched | None:
    """Fetch one part; None where a local mirror simply does not have it."""
    known = manifest.known(edition, part)
    if source_dir is not None:
        origin_path = source_dir / edition / part_file(part)
        if not origin_path.is_file():
            return None
        data = origin_path.read_bytes()
        origin = str(origin_path)
    else:
        url = NEMA_URL.format(edition=edition, part=part)
        try:
            data = _download(url, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise InputError(url, f"download failed: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise InputError(url, f"download failed: {exc}") from None
        origin = url
    digest = hashlib.sha256(data).hexdigest()
    if known is not None and known.sha256 is not None and known.sha256 != digest:
        raise InputError(
            origin,
            f"sha256 {digest} does not match the manifest's {known.sha256} for "
            f"{edition} part{part:02d}; nothing was written",
        )
    target = standard / edition / part_file(part)
    _store(target, data)
    verified = known is not None and known.sha256 is not None
    return Fetched(edition, part, target, digest, verified, origin)


def editions_for(manifest: Manifest, which: str) -> list[tuple[str, int]]:
    """(edition, part) pairs meant by the command's EDITION argument.

    ``defaults``: the default edition of each part; ``all``: every manifest entry;
    anything else (``2015b``, ``current``): parts 3, 4, 6 and 7 of that edition.
    """
    if which == "defaults":
        return sorted((ed, part) for part, ed in manifest.defaults.items())
    if which == "all":
        return sorted(manifest.files)
    return [(which, part) for part in PARTS]
