"""``dicom-validate FILE|FOLDER...``: check files against their IOD, in the spirit of dciodvfy.

Each file's IOD is picked by its SOP Class UID (0008,0016); its findings (those of
:meth:`DicomObject.validate`) are printed one a line, with the path of the attribute,
the rule and the source table and row::

    ct.dcm: error: PatientID: type1-missing: Type 1 attribute is missing (PS3.3 2016c Table C.7-1 row 3)
    ct.dcm: not checked: PatientBreedDescription: condition not compiled: ... (PS3.3 2016c Table C.7-1 row 26)

A file that reads but whose typed instance cannot hold its annotations (a Type 1
attribute absent or empty, a value of another type: :class:`NonConformantError`) is
validated all the same: its attributes are put in an instance without the checks of
construction, and :meth:`validate` reports what is wrong. A SOP class the model has no
IOD for is said so, and is not an error, nor is a DICOMDIR; a file with no SOP Class UID
at all is one (``type1-missing``). ``--format json`` prints the same findings as
one JSON document: per file ``file``, ``status`` (``clean``, ``errors``, ``no-iod``,
``not-dicom``, ``unreadable``), ``sop_class_uid``, ``sop_class``, ``iod``, ``conformant``
(true: the typed instance was made; false: it could not be, validated as read; null: no
instance was tried, as for a file not DICOM, unreadable or without an IOD), ``reason``,
``findings``, ``errors``, ``not_checked``; then ``problems``, ``summary``, ``exit_status``. Folders are walked (every file under them, in name order), with a
progress bar on a terminal, and a count of findings per rule ends the output when there
is more than one file.

Exit status: 0 when no file has an error, 1 when one has, 2 when a file is not DICOM,
is damaged or cannot be read (one line on standard error naming the file and the reason),
and 2 when a folder holds no file, none of its files is DICOM, or it cannot be listed (one
line on standard error naming the folder and the reason: nothing in it was validated, which
must not read as "all valid").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy takes it as true), without importing typing for --help

if TYPE_CHECKING:  # imported when a file is read, not for --help or --version
    from typing import Any, TextIO

    from .dataset import Dataset
    from .objects import DicomObject, Finding

from .cli_parsing import HelpFormatter  # noqa: E402
from .version import version_action  # noqa: E402

#: Exit statuses.
CLEAN, ERRORS, NOT_DICOM = 0, 1, 2

#: Media Storage Directory Storage (PS3.6 Table A-1): a DICOMDIR, which has no SOP Class UID.
MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"


class FileReport:
    """What was found in one file.

    A plain class rather than a dataclass: ``dicom-validate --help`` would import
    ``dataclasses`` (and the ``inspect`` it imports), a third of what the command may take
    to start (#19). Compared by value, as a dataclass is."""

    __slots__ = ("path", "status", "sop_class_uid", "sop_class", "iod", "conformant", "reason", "findings", "not_checked")

    def __init__(
        self,
        path: str,
        status: str,
        sop_class_uid: str = "",
        sop_class: str = "",
        iod: str = "",
        conformant: bool | None = None,
        reason: str = "",
        findings: list[Finding] | None = None,
        not_checked: int = 0,
    ) -> None:
        self.path = path
        self.status = status  # "clean", "errors", "no-iod" (SOP class without a generated IOD), "not-dicom", "unreadable" (damaged)
        self.sop_class_uid = sop_class_uid
        self.sop_class = sop_class  # the SOP class's name in PS3.4, or ""
        self.iod = iod  # the generated class the file was validated as
        # True: the typed instance was made; False: it could not be (NonConformantError, validated
        # as read); None: no instance was tried (not DICOM, unreadable, no IOD): never conformant
        self.conformant = conformant
        self.reason = reason  # why the file is not DICOM, or why it was not validated
        self.findings: list[Finding] = [] if findings is None else findings
        self.not_checked = not_checked  # conditions not checked (also counted when ``--errors-only`` leaves them out)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, FileReport) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass's

    def __repr__(self) -> str:
        return "FileReport(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__) + ")"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def as_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "file": self.path,
            "status": self.status,
            "sop_class_uid": self.sop_class_uid,
            "sop_class": self.sop_class,
            "iod": self.iod,
            "conformant": self.conformant,
            "reason": self.reason,
            "findings": [asdict(f) for f in self.findings],
            "errors": len(self.errors),
            "not_checked": self.not_checked,
        }


def lenient_instance(cls: type[DicomObject], dataset: Dataset) -> DicomObject:
    """An instance of ``cls`` holding the data set's attributes as they are, without the
    checks of construction: a Type 1 attribute absent or empty is ``None``, a value of a
    type the VR does not take is kept. It is for :meth:`DicomObject.validate`, which then
    reports them; its annotations need not hold, so it is not given out as a typed
    instance. Sequence items are built the same way."""
    import dataclasses

    from .typed import _decode_value, _item_classes
    from .objects import _state

    items = _item_classes(cls)
    values: dict[str, object] = {}
    declared: set[int] = set()
    state_read = {}
    empty: set[str] = set()
    from .dataset import Dataset as _Dataset

    for spec in cls.ATTRIBUTES:
        element = dataset.get(spec.tag)
        if element is None:
            declared.add(spec.tag)
            continue
        if spec.vr == "SQ" and isinstance(element.value, list):
            item_class = items.get(spec.keyword)
            if item_class is None:
                continue  # no item class: the sequence stays an extra element
            declared.add(spec.tag)
            state_read[spec.keyword] = element
            values[spec.keyword] = [lenient_instance(item_class, d) for d in element.value if isinstance(d, _Dataset)]
            continue
        declared.add(spec.tag)
        state_read[spec.keyword] = element
        value = _decode_value(spec, element.value)
        if value is None:
            empty.add(spec.keyword)
        values[spec.keyword] = value
    instance = cls.__new__(cls)
    names = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    for name, spec_field in names.items():
        if name in values:
            value = values[name]
        elif spec_field.default is not dataclasses.MISSING:
            value = spec_field.default
        elif spec_field.default_factory is not dataclasses.MISSING:
            value = spec_field.default_factory()
        else:
            value = None
        object.__setattr__(instance, name, value)
    if "extra_elements" in names:
        extra = _Dataset()
        for element in dataset.elements():
            if element.tag not in declared:
                extra[element.tag] = element
        object.__setattr__(instance, "extra_elements", extra or None)
    state = _state(instance)
    state.read = state_read
    state.empty = empty
    state.meta = dataset.file_meta
    state.read_problems = dataset.read_problems
    state.from_data_set = True
    return instance


def validate_file(path: str) -> FileReport:
    """Read and validate one file (see the module's docstring)."""
    from .errors import DicomDecodeError
    from .fileformat import read_file
    from .specs import Finding
    from .typed import NonConformantError, from_dataset

    try:
        file = read_file(path)
    except DicomDecodeError as exc:
        if exc.reason.startswith("not a DICOM file"):
            return FileReport(path, "not-dicom", reason=exc.reason)
        at = f" at {exc.path}" if exc.path else ""
        return FileReport(path, "unreadable", reason=f"damaged, not validated: byte {exc.offset}{at}: {exc.reason}")
    except OSError as exc:
        return FileReport(path, "unreadable", reason=f"cannot be read: {exc.strerror or exc}")
    dataset = file.dataset
    uid = dataset.value(0x00080016)
    if not isinstance(uid, str) or not uid:
        if file.meta.value(0x00020002) == MEDIA_STORAGE_DIRECTORY:  # a DICOMDIR has none (PS3.10 8.5)
            return FileReport(path, "no-iod", reason="a DICOMDIR (Media Storage Directory Storage): no IOD to validate against")
        # a composite instance without its SOP class: an error (as dciodvfy's "missing SOPClassUID
        # and not a directory"), and nothing else can be checked
        missing = Finding("SOPClassUID", "type1-missing", "Type 1 attribute is missing: no IOD applies", "PS3.3 Table C.12-1")
        found = [Finding(where, "encoding", message, source) for where, message, source in dataset.read_problems]
        return FileReport(path, "errors", reason="no SOP Class UID (0008,0016): not validated against an IOD", findings=[*found, missing])
    from dicom_model import sop_classes  # the generated table of SOP classes (a data module)

    known = sop_classes.sop_class(uid)
    report = FileReport(path, "clean", uid, known.name if known is not None else "")
    iod = sop_classes.iod_class_for(uid)
    if iod is None:
        report.status = "no-iod"
        what = f"{known.name} ({uid})" if known is not None else f"{uid}, a SOP class PS3.4 does not define,"
        report.reason = f"{what} has no generated IOD: not validated"
        return report
    report.iod = iod.__name__
    instance: DicomObject
    try:
        instance = from_dataset(iod, dataset, source=path)
        report.conformant = True
    except NonConformantError:
        report.conformant = False
        instance = lenient_instance(iod, dataset)
    report.findings = instance.validate()
    report.not_checked = sum(1 for f in report.findings if f.severity != "error")
    report.status = "errors" if report.errors else "clean"
    return report


def _walk(folder: str, unreadable: list[str]) -> Iterator[str]:
    """The files under ``folder`` in name order; a folder that cannot be listed is added
    to ``unreadable`` (as its line) rather than passed over as empty."""

    def failed(exc: OSError) -> None:
        unreadable.append(f"{exc.filename or folder}: folder cannot be read: {exc.strerror or exc}")

    for parent, subfolders, names in os.walk(folder, onerror=failed):
        subfolders.sort()
        for name in sorted(names):
            yield os.path.join(parent, name)


def _files(
    targets: Sequence[str], folders: dict[str, list[str]] | None = None, unreadable: list[str] | None = None
) -> Iterator[str]:
    """The files to validate: each target that is a folder walked, each other one as it is
    (a path that does not exist is read, and said to be unreadable). ``folders`` gets each
    folder's files, ``unreadable`` a line per folder that could not be listed."""
    for target in targets:
        if os.path.isdir(target):
            failures: list[str] = []
            found = list(_walk(target, failures))
            if unreadable is not None:
                unreadable.extend(failures)
            if folders is not None and (found or not failures):  # one that cannot be listed has its line
                folders[target] = found
            yield from found
        else:
            yield target


def folder_problems(folders: dict[str, list[str]], reports: Sequence[FileReport]) -> list[str]:
    """A line for each folder named on the command line that gave nothing to validate: it
    holds no file, or none of its files is DICOM or could be read (each of those has its own
    line too). Such a folder makes the exit status :data:`NOT_DICOM` rather than a clean 0."""
    status = {r.path: r.status for r in reports}
    lines = []
    for folder, files in folders.items():
        if not files:
            lines.append(f"{folder}: folder holds no files: nothing validated")
        elif all(status.get(f) in ("not-dicom", "unreadable") for f in files):
            count = f"{len(files)} file{'s' if len(files) != 1 else ''}"
            lines.append(f"{folder}: no DICOM file in the folder ({count}, not DICOM or unreadable): nothing validated")
    return lines


def finding_line(report: FileReport, finding: Finding) -> str:
    """The text line of one finding."""
    kind = "error" if finding.severity == "error" else "not checked"
    rule = "" if finding.rule == "not-checked" else f"{finding.rule}: "
    return f"{report.path}: {kind}: {finding.path}: {rule}{finding.message} ({finding.source})"


def header_line(report: FileReport) -> str:
    """The line that ends a file's findings (or says why there are none)."""
    if report.status in ("not-dicom", "unreadable", "no-iod"):
        return f"{report.path}: {report.reason}"
    errors = len(report.errors)
    unchecked = report.not_checked
    sop = f"{report.sop_class} ({report.sop_class_uid})" if report.sop_class else report.sop_class_uid
    state = f"{errors} error{'s' if errors != 1 else ''}" if errors else "no errors"
    if not report.iod:
        return f"{report.path}: {report.reason}: {state}"
    note = "" if report.conformant else " (not a conformant instance: validated as read)"
    return f"{report.path}: {sop} validated as {report.iod}{note}: {state}, {unchecked} not checked"


def summary_lines(reports: Sequence[FileReport]) -> list[str]:
    """The count of findings per rule (and of files of each status) over several files."""
    statuses = Counter(r.status for r in reports)
    errors: Counter[str] = Counter()
    files: dict[str, set[str]] = {}
    unchecked = sum(r.not_checked for r in reports)
    for report in reports:
        for finding in report.errors:
            errors[finding.rule] += 1
            files.setdefault(finding.rule, set()).add(report.path)
    lines = [
        f"summary: {len(reports)} file{'s' if len(reports) != 1 else ''}: {statuses['clean']} clean, {statuses['errors']} with errors, "
        f"{statuses['no-iod']} without a generated IOD, {statuses['not-dicom']} not DICOM, {statuses['unreadable']} unreadable"
    ]
    for rule, count in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {rule}: {count} error{'s' if count != 1 else ''} in {len(files[rule])} file{'s' if len(files[rule]) != 1 else ''}")
    lines.append(f"  not checked: {unchecked} condition{'s' if unchecked != 1 else ''}")
    return lines


def exit_status(reports: Sequence[FileReport]) -> int:
    if any(r.status in ("not-dicom", "unreadable") for r in reports):
        return NOT_DICOM
    if any(r.status == "errors" for r in reports):
        return ERRORS
    return CLEAN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dicom-validate",
        description="Validate DICOM files against the IOD of their SOP Class UID (PS3.3 of the generated model).",
        epilog="Exit status: 0 no errors, 1 errors, 2 a file is not DICOM or cannot be read, "
        "or a folder holds no file or no DICOM file (nothing validated).",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="FILE|FOLDER", help="files, or folders to walk")
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text lines (default) or one JSON document: files[] (file, status: clean|errors|no-iod|not-dicom|unreadable, "
        "sop_class_uid, sop_class, iod, conformant: true typed instance made, false validated as read, "
        "null not tried (not DICOM, unreadable, no IOD), reason, findings[], errors, not_checked), problems, summary, exit_status",
    )
    parser.add_argument("--errors-only", action="store_true", help="leave out the conditions that were not checked")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar, even on a terminal")
    parser.add_argument("--version", action=version_action("dicom-validate"))
    return parser


def _validate_all(files: list[str], progress: bool) -> Iterator[FileReport]:
    if not progress:
        for path in files:
            yield validate_file(path)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("validating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), TextColumn("{task.description}"))
    with Progress(*columns, transient=True, console=Console(stderr=True)) as bar:  # on standard error, only while it runs
        task = bar.add_task("", total=len(files))
        for path in files:
            bar.update(task, description=os.path.basename(path))
            yield validate_file(path)
            bar.advance(task)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: TextIO = sys.stdout
    if isinstance(out, __import__("io").TextIOWrapper):
        out.reconfigure(errors="backslashreplace")
    folders: dict[str, list[str]] = {}
    unreadable: list[str] = []
    files = list(_files(args.paths, folders, unreadable))
    walked = len(files) > 1 or any(os.path.isdir(p) for p in args.paths)
    progress = walked and not args.no_progress and sys.stderr.isatty()
    reports: list[FileReport] = []
    try:
        for report in _validate_all(files, progress):
            if args.errors_only:
                report.findings = report.errors
            reports.append(report)
            if args.format == "text":
                for finding in report.findings:
                    out.write(finding_line(report, finding) + "\n")
                line = header_line(report)
                (sys.stderr if report.status in ("not-dicom", "unreadable") else out).write(line + "\n")
                out.flush()
        problems = unreadable + folder_problems(folders, reports)
        for line in problems:
            sys.stderr.write(line + "\n")
        status = NOT_DICOM if problems else exit_status(reports)
        if args.format == "json":
            import json

            document = {
                "files": [r.as_json() for r in reports],
                "problems": problems,
                "summary": _summary_json(reports),
                "exit_status": status,
            }
            json.dump(document, out, indent=2, ensure_ascii=False)
            out.write("\n")
        elif walked and reports:  # nothing read: the problem line on standard error says so, alone
            out.write("\n".join(summary_lines(reports)) + "\n")
        out.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ERRORS
    return status


def _summary_json(reports: Sequence[FileReport]) -> dict[str, Any]:
    rules: Counter[str] = Counter(f.rule for r in reports for f in r.errors)
    return {
        "files": len(reports),
        "statuses": dict(Counter(r.status for r in reports)),
        "errors_by_rule": dict(sorted(rules.items())),
        "not_checked": sum(r.not_checked for r in reports),
    }


if __name__ == "__main__":
    sys.exit(main())
