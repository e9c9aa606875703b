"""``dicom-codegen fetch``: put parts of the standard into ``standard_xml/EDITION/``.

From NEMA (``<BASE>/<EDITION>/source/docbook/partNN/partNN.xml``, ``BASE`` being
:data:`NEMA_BASE_URL` unless ``--base-url`` or ``$DICOM_CODEGEN_BASE_URL`` names a
mirror or a test server) or, with ``--from DIR``, from a local mirror laid out as
``DIR/EDITION/partNN.xml``; ``--fallback-from DIR`` is that mirror used for the
parts whose download fails.

A fetch is one transaction. Every part is streamed into a temporary folder inside
``standard_xml/``, checked (complete body, not compressed, DocBook, the right part,
the edition its subtitle names, the manifest's sha256), and only when every part
that was asked for is there are they renamed into place and the record
(``standard_xml/fetched.json``: sha256, URL, ETag, Last-Modified, what ``current``
resolved to) rewritten. Any failure raises :class:`InputError` naming the URL or the
file and the reason, and leaves ``standard_xml/`` as it was.

``current`` is resolved from the subtitle of the downloaded files ("DICOM PS3.3
2025d - ..."), and the parts are stored under that edition. A second fetch sends
``If-None-Match`` / ``If-Modified-Since`` from the record, and a file whose sha256
is the recorded one is not rewritten, so fetching again downloads nothing new.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from lxml import etree
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.console import Console

from . import transfer
from .docbook import _EDITION, _PART_TITLE, DOCBOOK_NS, XML_ID, syntax_reason, text_of
from .errors import InputError
from .manifest import PARTS, KnownFile, Manifest, part_file

NEMA_BASE_URL = "https://dicom.nema.org/medical/dicom"
#: The environment variable that replaces :data:`NEMA_BASE_URL` (the option wins).
BASE_URL_ENV = "DICOM_CODEGEN_BASE_URL"
PART_PATH = "{edition}/source/docbook/part{part:02d}/part{part:02d}.xml"
#: What fetch got, beside the manifest (machine-local, not committed).
RECORD_FILE = "fetched.json"

_BOOK = "{" + DOCBOOK_NS + "}book"
_TITLE = "{" + DOCBOOK_NS + "}title"
_SUBTITLE = "{" + DOCBOOK_NS + "}subtitle"
_INFO = "{" + DOCBOOK_NS + "}info"


def base_url(option: str | None = None) -> str:
    """The base URL: the option, else ``$DICOM_CODEGEN_BASE_URL``, else NEMA's."""
    chosen = option or os.environ.get(BASE_URL_ENV) or NEMA_BASE_URL
    return chosen.rstrip("/")


def part_url(base: str, edition: str, part: int) -> str:
    return f"{base.rstrip('/')}/" + PART_PATH.format(edition=edition, part=part)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def progress_bar(console: Console) -> Progress:
    """The download progress display: bytes, rate and time left (nothing when not a terminal)."""
    return Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(bar_width=32),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )


# What fetch got --------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """One part as fetched.

    ``known_as``: ``"official"`` (the manifest's NEMA sha256 matched), ``"copy"`` or
    ``"excerpt"`` (the manifest's mirror entry matched) or ``"unknown"`` (the manifest
    has no sha256 for these bytes; accepted and recorded). ``via``: ``"download"``,
    ``"mirror"`` (``--from``) or ``"fallback"`` (``--fallback-from`` after a failed
    download). ``unchanged`` says why nothing was written (HTTP 304, same sha256).
    """

    asked: str  # the edition asked for: "2016c" or "current"
    edition: str  # the edition stored: for "current", the one its subtitle names
    part: int
    path: Path
    origin: str  # the URL or the mirror file
    via: str
    sha256: str
    size: int
    known_as: str
    etag: str | None = None
    last_modified: str | None = None
    unchanged: str = ""
    fallback_reason: str = ""
    mirror_note: str = ""
    staged: Path | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.edition}/{part_file(self.part)}"


@dataclass(frozen=True)
class FetchResult:
    fetched: tuple[Fetched, ...]
    skipped: tuple[tuple[str, int, str], ...]  # (edition, part, why)
    current: str | None  # what "current" resolved to, when it was asked for
    record: Path
    base: str
    mirror: Path | None  # the --from or --fallback-from folder


class _Record:
    """``standard_xml/fetched.json``: the facts of every fetched file, and ``current``."""

    def __init__(self, path: Path, warn: Callable[[str], None]) -> None:
        self.path = path
        self.files: dict[str, dict[str, object]] = {}
        self.urls: dict[str, str] = {}
        self.current: dict[str, object] = {}
        if not path.is_file():
            return
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            self.files = {str(k): dict(v) for k, v in raw.get("files", {}).items()}
            self.urls = {str(k): str(v) for k, v in raw.get("urls", {}).items()}
            self.current = dict(raw.get("current", {}))
        except (ValueError, TypeError, AttributeError, OSError) as exc:
            warn(f"{path}: unreadable record ({exc}); fetching as if it were empty")
            self.files, self.urls, self.current = {}, {}, {}

    def still_there(self, standard: Path, key: str) -> dict[str, object] | None:
        """The entry of ``key`` if its file is still there with the recorded sha256."""
        entry = self.files.get(key)
        path = standard / key
        if entry is None or not path.is_file():
            return None
        return entry if transfer.sha256_file(path) == entry.get("sha256") else None

    def for_url(self, standard: Path, url: str) -> tuple[str, dict[str, object]] | None:
        key = self.urls.get(url)
        if key is None:
            return None
        entry = self.still_there(standard, key)
        return (key, entry) if entry is not None else None

    def add(self, item: Fetched) -> None:
        entry: dict[str, object] = {
            "edition": item.edition,
            "part": item.part,
            "asked": item.asked,
            "via": item.via,
            "origin": item.origin,
            "sha256": item.sha256,
            "size": item.size,
            "known_as": item.known_as,
            "etag": item.etag,
            "last_modified": item.last_modified,
            "checked": _now(),
        }
        previous = self.files.get(item.key)
        if item.unchanged and previous is not None:
            entry["fetched"] = previous.get("fetched", entry["checked"])
        else:
            entry["fetched"] = entry["checked"]
        self.files[item.key] = entry
        if item.via == "download":
            self.urls[item.origin] = item.key

    def save(self) -> None:
        data = {
            "about": "What `dicom-codegen fetch` got, per file (written by it; see "
            "generator/dicom_codegen/fetch.py). The manifest says what is known; this says what was fetched.",
            "current": self.current,
            "files": dict(sorted(self.files.items())),
            "urls": dict(sorted(self.urls.items())),
        }
        transfer.write_atomically(self.path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


# Checking what arrived -------------------------------------------------------------------


def check_docbook(path: Path, origin: str, part: int, expected: str | None) -> str:
    """The edition the file's subtitle names, after checking it is a whole DocBook PS3.``part``.

    Reads the head (root element, title, subtitle) and the last bytes only: an HTML
    error page, another part, another edition or a cut-off file is one
    :class:`InputError` naming ``origin``.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - 256))
        tail = handle.read()
    start = head.lstrip()
    if not start:
        raise InputError(origin, "empty body, not DocBook XML")
    lowered = start[:1024].lower()
    if lowered.startswith(b"<!doctype html") or b"<html" in lowered:
        raise InputError(origin, "an HTML page, not DocBook XML (an error page served as if it were the file?)")
    root: etree._Element | None = None
    title = subtitle = ""
    depth = 0
    try:
        with path.open("rb") as handle:
            for event, element in etree.iterparse(
                handle, events=("start", "end"), huge_tree=True, resolve_entities=False, no_network=True
            ):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        root = element
                        if element.tag != _BOOK:
                            raise InputError(
                                origin, f"not DocBook: the root element is {element.tag!r}, expected a DocBook 5 book"
                            )
                    elif depth == 2 and element.tag not in (_TITLE, _SUBTITLE, _INFO):
                        break  # the first chapter: the head is read
                    continue
                if depth == 2 and element.tag == _TITLE:
                    title = text_of(element)
                elif depth == 2 and element.tag == _SUBTITLE:
                    subtitle = text_of(element)
                depth -= 1
    except etree.XMLSyntaxError as exc:
        raise InputError(origin, f"not well-formed XML (line {exc.lineno}): {syntax_reason(exc)}") from None
    assert root is not None
    if not tail.rstrip().endswith(b"</book>"):
        raise InputError(origin, "the file does not end with </book>: cut short, or not a whole part")
    label = root.get("label") or root.get(XML_ID) or ""
    found = _PART_TITLE.search(label) or _PART_TITLE.search(f"{title} {subtitle}")
    if found is None:
        raise InputError(origin, f"cannot tell which part of the standard this is (title {title!r})")
    if int(found.group(1)) != part:
        raise InputError(origin, f"wrong part: this is PS3.{found.group(1)}, expected PS3.{part}")
    edition = _EDITION.search(subtitle or title)
    if edition is None:
        raise InputError(origin, f"the subtitle names no edition ({subtitle!r})")
    if expected is not None and edition.group(1) != expected:
        raise InputError(
            origin, f"the subtitle names edition {edition.group(1)} ({subtitle!r}), expected {expected}"
        )
    return edition.group(1)


def identify(known: KnownFile | None, digest: str, *, from_mirror: bool, origin: str) -> str:
    """What the manifest says these bytes are; :class:`InputError` where it says they are wrong."""
    if known is None:
        return "unknown"
    if known.official_sha256 is not None and digest == known.official_sha256:
        return "official"
    if from_mirror and known.mirror is not None:
        if digest == known.mirror.sha256:
            return known.mirror.kind
        raise InputError(
            origin,
            f"sha256 {digest} does not match the manifest's {known.mirror.sha256} for the mirror's "
            f"{known.mirror.kind} of {known.edition} part{known.part:02d}",
        )
    if known.official_sha256 is not None:
        raise InputError(
            origin,
            f"sha256 {digest} does not match the manifest's official NEMA sha256 "
            f"{known.official_sha256} for {known.edition} part{known.part:02d}",
        )
    if known.mirror is not None and digest == known.mirror.sha256:
        return known.mirror.kind  # the very bytes the offline mirror holds
    return "unknown"


# The transaction -------------------------------------------------------------------------


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


@dataclass
class _Job:
    manifest: Manifest
    standard: Path
    staging: Path
    record: _Record
    base: str
    timeout: float
    progress: Progress | None
    warn: Callable[[str], None]

    def from_mirror(self, folder: Path, edition: str, part: int, via: str, reason: str = "") -> Fetched | None:
        source = folder / edition / part_file(part)
        if not source.is_file():
            return None
        stream = transfer.copy_from_mirror(source, self.staging, f"{edition}-{part_file(part)}", self.progress, f"PS3.{part} {edition}")
        stored = check_docbook(stream.path, str(source), part, None if edition == "current" else edition)
        known = self.manifest.known(stored, part)
        known_as = identify(known, stream.sha256, from_mirror=True, origin=str(source))
        note = _mirror_note(known, known_as)
        item = Fetched(
            edition, stored, part, self.standard / stored / part_file(part), str(source), via,
            stream.sha256, stream.size, known_as, fallback_reason=reason, mirror_note=note, staged=stream.path,
        )
        return self._unless_unchanged(item)

    def from_url(self, edition: str, part: int) -> Fetched:
        url = part_url(self.base, edition, part)
        prior = self.record.for_url(self.standard, url)
        etag = last_modified = None
        if prior is not None:
            etag = _optional_str(prior[1].get("etag"))
            last_modified = _optional_str(prior[1].get("last_modified"))
        got = transfer.download(
            url, self.staging, f"{edition}-{part_file(part)}", timeout=self.timeout, etag=etag,
            last_modified=last_modified, progress=self.progress, label=f"PS3.{part} {edition}",
        )
        if got.stream is None:
            assert prior is not None
            key, entry = prior
            stored = str(entry["edition"])
            return Fetched(
                edition, stored, part, self.standard / key, url, "download", str(entry["sha256"]),
                int(str(entry["size"])), str(entry["known_as"]), etag, last_modified,
                unchanged="HTTP 304 Not Modified",
            )
        stream = got.stream
        stored = check_docbook(stream.path, url, part, None if edition == "current" else edition)
        known = self.manifest.known(stored, part)
        known_as = identify(known, stream.sha256, from_mirror=False, origin=url)
        note = _mirror_note(known, known_as)
        item = Fetched(
            edition, stored, part, self.standard / stored / part_file(part), url, "download",
            stream.sha256, stream.size, known_as, got.etag, got.last_modified, mirror_note=note, staged=stream.path,
        )
        return self._unless_unchanged(item)

    def _unless_unchanged(self, item: Fetched) -> Fetched:
        entry = self.record.still_there(self.standard, item.key)
        if entry is not None and entry.get("sha256") == item.sha256 and item.staged is not None:
            item.staged.unlink(missing_ok=True)
            return replace(item, staged=None, unchanged="same sha256 as the recorded file, not rewritten")
        return item


def _mirror_note(known: KnownFile | None, known_as: str) -> str:
    """The manifest's note on the mirror's file, when these bytes are that file."""
    if known is None or known.mirror is None or known_as != known.mirror.kind:
        return ""
    return known.mirror.note


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@contextmanager
def _staging(standard: Path) -> Iterator[Path]:
    try:
        folder = Path(tempfile.mkdtemp(prefix=".fetch-", dir=standard))
    except OSError as exc:
        raise InputError(standard, f"cannot create a temporary folder: {exc.strerror or exc}") from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fetch(
    manifest: Manifest,
    standard: Path,
    which: str,
    *,
    base: str | None = None,
    source_dir: Path | None = None,
    fallback_dir: Path | None = None,
    timeout: float = 20.0,
    progress: Progress | None = None,
    warn: Callable[[str], None] = lambda message: None,
    require_all: bool | None = None,
) -> FetchResult:
    """Fetch the parts ``which`` names (an edition, ``current``, ``defaults`` or ``all``).

    Online (no ``source_dir``) every part must download, or come from
    ``fallback_dir``; ``defaults`` (and ``require_all``) needs every part from some
    source. Parts a mirror lacks are skipped otherwise. Raises :class:`InputError`;
    then nothing in ``standard`` has changed.
    """
    required = (which == "defaults") if require_all is None else require_all
    chosen = base_url(base)
    if not standard.is_dir():
        raise InputError(standard, "standard folder not found (it holds manifest.json)")
    record = _Record(standard / RECORD_FILE, warn)
    try:
        with _staging(standard) as staging:
            job = _Job(manifest, standard, staging, record, chosen, timeout, progress, warn)
            got: list[Fetched] = []
            skipped: list[tuple[str, int, str]] = []
            for edition, part in editions_for(manifest, which):
                item, why = _one(job, edition, part, source_dir, fallback_dir)
                if item is None:
                    if required:
                        raise InputError(why[0], f"{why[1]}; PS3.{part} {edition} is needed ({which})")
                    skipped.append((edition, part, why[1]))
                    continue
                got.append(item)
            if not got:
                raise InputError(source_dir or fallback_dir or chosen, f"nothing fetched for {which!r}")
            current = None
            if which == "current":
                found = sorted({item.edition for item in got})
                if len(found) > 1:
                    names = ", ".join(f"part{i.part:02d} {i.edition}" for i in got)
                    raise InputError(
                        part_url(chosen, "current", got[0].part), f"'current' names more than one edition ({names})"
                    )
                current = found[0]
            _commit(standard, got)
            for item in got:
                record.add(item)
            if current is not None:
                record.current = {"edition": current, "base": chosen, "resolved": _now()}
            try:
                record.save()
            except OSError as exc:
                raise InputError(record.path, f"cannot write the record: {exc.strerror or exc}") from None
    except InputError as exc:
        if "nothing was written" in exc.reason:
            raise
        raise InputError(exc.path, f"{exc.reason}; nothing was written to {standard}") from None
    return FetchResult(
        tuple(replace(item, staged=None) for item in got), tuple(skipped), current, record.path, chosen,
        source_dir or fallback_dir,
    )


def _one(
    job: _Job, edition: str, part: int, source_dir: Path | None, fallback_dir: Path | None
) -> tuple[Fetched | None, tuple[str, str]]:
    if source_dir is not None:
        item = job.from_mirror(source_dir, edition, part, "mirror")
        where = source_dir / edition / part_file(part)
        return item, (str(where), "not in the mirror")
    try:
        return job.from_url(edition, part), ("", "")
    except InputError as exc:
        if fallback_dir is None:
            raise
        job.warn(f"{exc}; trying the offline mirror {fallback_dir}")
        item = job.from_mirror(fallback_dir, edition, part, "fallback", reason=exc.reason)
        where = fallback_dir / edition / part_file(part)
        return item, (exc.path, f"{exc.reason}, and the offline mirror has no {where}")


def _commit(standard: Path, got: list[Fetched]) -> None:
    """Rename the staged files into place (all checks have passed)."""
    for item in got:
        if item.staged is None:
            continue
        try:
            item.path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(item.staged, item.path)
        except OSError as exc:
            raise InputError(item.path, f"cannot put the file in place: {exc.strerror or exc}") from None


# Describing the result -------------------------------------------------------------------


def describe(item: Fetched, record: Path) -> str:
    """One line of the summary for one part."""
    where = f"PS3.{item.part} {item.edition}: {item.path}"
    if item.asked == "current":
        where = f"PS3.{item.part} current = {item.edition}: {item.path}"
    if item.unchanged:
        return f"{where} unchanged ({item.unchanged}; sha256 {item.sha256[:16]}...)"
    if item.via == "download":
        source = f"from {item.origin}"
    elif item.via == "fallback":
        source = f"from the offline mirror (FALLBACK: the download failed) {item.origin}"
    else:
        source = f"from the offline mirror {item.origin}"
    what = {
        "official": "official NEMA file, sha256 verified",
        "copy": "sha256 verified against the manifest's mirror copy; NEMA's own sha256 is not known",
        "excerpt": "sha256 verified against the manifest's mirror EXCERPT: not the complete part",
        "unknown": f"sha256 {item.sha256}: not in the manifest; recorded in {record}",
    }[item.known_as]
    return f"{where} {source} ({what})"


def summary(result: FetchResult) -> list[str]:
    """The closing lines: where the parts came from, what ``current`` is."""
    lines = []
    downloaded = [i for i in result.fetched if i.via == "download" and not i.unchanged]
    unchanged = [i for i in result.fetched if i.unchanged]
    mirror = [i for i in result.fetched if i.via == "mirror" and not i.unchanged]
    fallback = [i for i in result.fetched if i.via == "fallback" and not i.unchanged]
    counts = [f"{len(downloaded)} downloaded from {result.base}"] if downloaded else []
    if mirror:
        counts.append(f"{len(mirror)} from the offline mirror {result.mirror}")
    if fallback:
        counts.append(f"{len(fallback)} from the offline mirror {result.mirror} as FALLBACK")
    if unchanged:
        counts.append(f"{len(unchanged)} unchanged")
    lines.append(f"{len(result.fetched)} part(s): " + ", ".join(counts))
    excerpts = [i for i in result.fetched if i.known_as == "excerpt"]
    for item in excerpts:
        lines.append(f"note: PS3.{item.part} {item.edition} is an excerpt ({item.mirror_note or 'see the manifest'})")
    if result.current is not None:
        lines.append(f"current is {result.current} (from the subtitles); recorded in {result.record}")
    return lines
