"""Getting a part's bytes for ``dicom-codegen fetch``: a download or a mirror's file
streamed into a temporary file of the staging folder, hashed as it arrives and shown on
a progress bar; and the atomic write of a small file (the fetch record).

Every failure is one :class:`InputError` naming the URL or the file, and what was
written of it is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rich.progress import Progress, TaskID

from . import __version__
from .errors import InputError

CHUNK = 1 << 18


def write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(handle, 0o644)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_staging(folder: Path, name: str) -> tuple[BinaryIO, Path]:
    """A new temporary file in the staging folder, open for writing (a seam for tests)."""
    handle, temporary = tempfile.mkstemp(prefix=f"{name}.", dir=folder)
    os.fchmod(handle, 0o644)  # mkstemp's 0600 would follow the file into standard_xml/
    return os.fdopen(handle, "wb"), Path(temporary)


@dataclass(frozen=True)
class Stream:
    path: Path
    sha256: str
    size: int


def stream(
    read: Callable[[int], bytes],
    origin: str,
    staging: Path,
    name: str,
    *,
    total: int | None,
    progress: Progress | None,
    label: str,
    on_read_error: Callable[[BaseException, int], InputError],
) -> Stream:
    """Copy ``read`` into a temporary file, hashing and showing progress."""
    try:
        handle, temporary = open_staging(staging, name)
    except OSError as exc:
        raise InputError(origin, f"cannot create a temporary file in {staging}: {exc.strerror or exc}") from None
    digest = hashlib.sha256()
    received = 0
    task: TaskID | None = progress.add_task(label, total=total) if progress is not None else None
    try:
        while True:
            try:
                chunk = read(CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise on_read_error(exc, received) from None
            if not chunk:
                break
            if received == 0 and chunk[:2] == b"\x1f\x8b":
                raise InputError(
                    origin,
                    "the body is gzip-compressed (it starts with the gzip magic bytes 1f 8b, "
                    "without a Content-Encoding saying so); expected the XML itself",
                )
            try:
                handle.write(chunk)
            except OSError as exc:
                raise InputError(origin, f"cannot write {temporary}: {exc.strerror or exc}") from None
            digest.update(chunk)
            received += len(chunk)
            if progress is not None and task is not None:
                progress.update(task, completed=received)
        try:
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
        except OSError as exc:
            raise InputError(origin, f"cannot write {temporary}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            handle.close()  # what is still buffered fails again on a full disk: already reported
        temporary.unlink(missing_ok=True)
        raise
    if progress is not None and task is not None:
        progress.update(task, total=received, completed=received)
    if total is not None and received != total:
        temporary.unlink(missing_ok=True)
        raise InputError(origin, f"body cut short: {received} of {total} bytes (Content-Length not met)")
    return Stream(temporary, digest.hexdigest(), received)


@dataclass(frozen=True)
class Download:
    stream: Stream | None  # None: HTTP 304, not modified
    url: str  # after redirects
    etag: str | None
    last_modified: str | None


def download(
    url: str,
    staging: Path,
    name: str,
    *,
    timeout: float,
    etag: str | None,
    last_modified: str | None,
    progress: Progress | None,
    label: str,
) -> Download:
    headers = {
        "User-Agent": f"dicom-codegen/{__version__}",
        "Accept-Encoding": "identity",
        "Accept": "application/xml, text/xml;q=0.9, */*;q=0.1",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers)
    timeout_text = f"no answer within {timeout:g} s (timeout)"
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304 and (etag or last_modified):
            return Download(None, url, etag, last_modified)
        if exc.code in (301, 302, 303, 307, 308):
            raise InputError(
                url,
                f"redirect loop: still redirected (HTTP {exc.code}) after 10 redirects "
                f"or 4 visits to one URL, the last to {exc.filename}",
            ) from None
        raise InputError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise InputError(url, timeout_text) from None
        raise InputError(url, f"cannot connect: {exc.reason}") from None
    except TimeoutError:
        raise InputError(url, timeout_text) from None
    except (OSError, http.client.HTTPException) as exc:
        raise InputError(url, f"download failed: {exc!r}") from None
    with response:
        encoding = (response.headers.get("Content-Encoding") or "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise InputError(
                url, f"the body is {encoding}-encoded (Content-Encoding: {encoding}); expected the XML itself"
            )
        length = response.headers.get("Content-Length")
        total = int(length) if length is not None and length.strip().isdigit() else None

        def read_error(exc: BaseException, received: int) -> InputError:
            if isinstance(exc, TimeoutError):
                return InputError(url, f"no data for {timeout:g} s after {received} bytes (timeout)")
            if isinstance(exc, http.client.IncompleteRead):
                return InputError(
                    url, f"body cut short: {received + len(exc.partial)} of {total} bytes (Content-Length not met)"
                )
            return InputError(url, f"download failed after {received} bytes: {exc!r}")

        streamed = stream(
            response.read, url, staging, name, total=total, progress=progress, label=label, on_read_error=read_error
        )
        return Download(
            streamed, response.geturl(), response.headers.get("ETag"), response.headers.get("Last-Modified")
        )


def copy_from_mirror(
    source: Path, staging: Path, name: str, progress: Progress | None, label: str
) -> Stream:
    def read_error(exc: BaseException, received: int) -> InputError:
        return InputError(source, f"cannot read after {received} bytes: {exc}")

    try:
        handle = source.open("rb")
    except OSError as exc:
        raise InputError(source, f"cannot read: {exc.strerror or exc}") from None
    with handle:
        return stream(
            handle.read,
            str(source),
            staging,
            name,
            total=source.stat().st_size,
            progress=progress,
            label=label,
            on_read_error=read_error,
        )
