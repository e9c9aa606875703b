"""Validation agrees with dciodvfy (issue #15, "Validation catches what dciodvfy catches").

Seeds: the files of pydicom's corpus whose SOP Class is one of the model's IODs (CT
Image, RT Dose; the corpus has no Enhanced CT or Enhanced XA image, so those two are
built: one from the generated classes, one by pydicom), and mutants of each seed:
a Type 1 attribute removed or emptied, a Type 2 removed, an Enumerated Value changed
in value 1 and in value 3, a VR's maximum length exceeded, a condition's trigger set
without the attribute it requires, Pixel Data of the wrong length, and the CT (and RT
Dose) specific constraints of the modules' own subsections.

Every mutant is written by pydicom and judged twice: by dciodvfy (dicom3tools) on the
file, and by this project (``dicom_runtime.typed.read`` and ``errors()``; a file that
``read`` refuses as not conformant counts as flagged, with the problems it names).
What counts is what the mutation adds: the errors of the mutant that the unchanged
seed, written the same way, does not have. The table (``pytest -s``) gives, for each
kind of mutation, how many both flag, only we flag, only dciodvfy flags, neither.

Every disagreement must be explained by one of :data:`EXPLANATIONS`, each a rule that
is checked against the mutant (never a list of expected results): an attribute's
rule that PS3.3 states in a section the 2016c excerpt lacks, a check outside PS3.3
(PS3.5 value rules), dciodvfy's later edition of PS3.3, and so on. A disagreement no
rule explains fails the test.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy
import pydicom
import pydicom.data
import pytest
from pydicom.dataset import Dataset as PydicomDataset
from pydicom.datadict import dictionary_VR
from pydicom.tag import Tag
from pydicom.uid import ExplicitVRLittleEndian

from dicom_codegen import parse_ps3
from dicom_codegen.model import AttributeRow, InformationObjects
from dicom_model import sop_classes
from dicom_runtime import conditions as rc
from dicom_runtime.objects import AttributeSpec, DicomObject
from dicom_runtime.typed import NonConformantError, read, write
from tests.conftest import mirror_file
from tests.test_external_tools import enhanced_ct

pytestmark = pytest.mark.slow

DCIODVFY = shutil.which("dciodvfy")

# -- the seeds ---------------------------------------------------------------------------


def _corpus(name: str) -> Path:
    found = pydicom.data.get_testdata_file(name)
    assert isinstance(found, str), f"{name} is not in pydicom's corpus"
    return Path(found)


def _model_sop_class(dataset: PydicomDataset) -> bool:
    uid = dataset.get("SOPClassUID")
    return isinstance(uid, str) and sop_classes.iod_class_for(uid) is not None


@cache
def corpus_seeds() -> tuple[tuple[str, Path], ...]:
    """Every corpus file of the model's IODs, by name (pydicom's reading decides)."""
    found: list[tuple[str, Path]] = []
    # the files pydicom ships (get_testdata_files would also try to download its external data)
    shipped = Path(pydicom.data.__file__).parent / "test_files"
    for path in sorted(p for p in shipped.rglob("*") if p.is_file() and p.suffix != ".py"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                dataset = pydicom.dcmread(path, stop_before_pixels=True)
            except Exception:
                continue
        if _model_sop_class(dataset):
            found.append((path.name, path))
    return tuple(sorted(found))


#: The seeds mutated: one of each kind of corpus file (and the two built images); the
#: rest of the corpus files of the model are judged unmutated (see the originals row).
MUTATED = ("CT_small.dcm", "2062", "J2K_pixelrep_mismatch.dcm", "rtdose_rle.dcm", "rtdose.dcm (16 bits)",
           "Enhanced CT (generated classes)", "Enhanced XA (pydicom)")


def _rtdose_16_bits() -> PydicomDataset:
    """rtdose.dcm with its 32-bit doses as 16-bit ones: dciodvfy aborts on 32-bit native
    Pixel Data (an assertion in attrothr.cc), so the RT Dose seed is re-encoded (16 is one
    of RT Dose's Enumerated Values of Bits Allocated)."""
    dataset = pydicom.dcmread(_corpus("rtdose.dcm"))
    frames = numpy.frombuffer(dataset.PixelData, dtype="<u4")
    dataset.PixelData = numpy.minimum(frames, 0xFFFF).astype("<u2").tobytes()
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 16, 15
    dataset["PixelData"].VR = "OW"
    dataset.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    return dataset


def _enhanced_ct() -> PydicomDataset:
    """An Enhanced CT Image of the generated classes (tests/test_external_tools), written by write()."""
    target = _TMP / "enhanced_ct_seed.dcm"
    write(enhanced_ct(), target)
    return pydicom.dcmread(target)


def _enhanced_xa() -> PydicomDataset:
    """An Enhanced XA Image as test_roundtrip builds it with pydicom."""
    from tests.runtime.test_roundtrip import _enhanced

    target = _TMP / "enhanced_xa_seed.dcm"
    _enhanced(target, ct=False)
    return pydicom.dcmread(target)


_TMP = Path("/tmp")


def seed_dataset(name: str) -> PydicomDataset:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name == "rtdose.dcm (16 bits)":
            return _rtdose_16_bits()
        if name == "Enhanced CT (generated classes)":
            return _enhanced_ct()
        if name == "Enhanced XA (pydicom)":
            return _enhanced_xa()
        return pydicom.dcmread(dict(corpus_seeds())[name])


# -- judging one file ----------------------------------------------------------------------


def dciodvfy_errors(path: Path) -> set[str]:
    assert DCIODVFY is not None, "dciodvfy (dicom3tools) is needed: bash .ci/install"
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, errors="replace", timeout=120)
    lines = (run.stdout + run.stderr).splitlines()
    found = {line.strip() for line in lines if "Error" in line.split(" - ")[0:2] or line.startswith("Error")}
    if "Assertion" in run.stderr or run.returncode < 0:
        found = {ABORTED}  # it judged nothing
    return found


ABORTED = "dciodvfy aborted (attrothr.cc: Assertion `bitsallocated <= bytesinword*8u' failed)"


def our_findings(path: Path) -> tuple[set[str], set[str]]:
    """Our errors for a file, and the paths of the conditions we could not check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            instance = read(path)
        except NonConformantError as refused:
            return {f"refused: {p}" for p in refused.problems}, set()
    if not isinstance(instance, DicomObject):
        return {"not read as an IOD of the model"}, set()
    findings = instance.validate()
    errors = {f"{f.path}: {f.rule}: {f.message}" for f in findings if f.severity == "error"}
    return errors, {f.path for f in findings if f.severity != "error"}


def save(dataset: PydicomDataset, path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset.save_as(path, enforce_file_format=True)


# -- the mutants -------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    seed: str
    kind: str
    target: str  # the keyword changed, as PS3.6 spells it
    change: Callable[[PydicomDataset], None] = field(compare=False)
    detail: str = ""


def _iod(dataset: PydicomDataset) -> type[DicomObject]:
    found = sop_classes.iod_class_for(str(dataset.SOPClassUID))
    assert found is not None
    return found


_SKIP = {"SOPClassUID", "SOPInstanceUID", "SpecificCharacterSet", "PixelData", "StudyInstanceUID", "SeriesInstanceUID"}
_MAX_LENGTH = {"AE": 16, "AS": 4, "CS": 16, "DS": 16, "IS": 12, "LO": 64, "SH": 16, "UI": 64, "PN": 64, "ST": 1024, "LT": 10240}


def _top_specs(dataset: PydicomDataset) -> list[AttributeSpec]:
    cls = _iod(dataset)
    return [s for s in cls.ATTRIBUTES if s.keyword not in _SKIP and s.vr != "SQ" or s.vr == "SQ" and s.keyword not in _SKIP]


def _present(dataset: PydicomDataset, keyword: str) -> bool:
    return keyword in dataset and not dataset[keyword].is_empty


def _remove(keyword: str) -> Callable[[PydicomDataset], None]:
    def change(d: PydicomDataset) -> None:
        del d[keyword]

    return change


def _empty(keyword: str) -> Callable[[PydicomDataset], None]:
    def change(d: PydicomDataset) -> None:
        d[keyword].value = [] if d[keyword].VR == "SQ" else None

    return change


def _set(keyword: str, value: Any, vr: str | None = None) -> Callable[[PydicomDataset], None]:
    def change(d: PydicomDataset) -> None:
        if keyword in d:
            d[keyword].value = value
        else:
            d.add_new(Tag(keyword), vr or dictionary_VR(Tag(keyword)), value)

    return change


def _set_value(keyword: str, index: int, value: str) -> Callable[[PydicomDataset], None]:
    def change(d: PydicomDataset) -> None:
        values = list(d[keyword].value) if d[keyword].VM > 1 else [d[keyword].value]
        values[index] = value
        d[keyword].value = values

    return change


def _wrong_value(spec: AttributeSpec, allowed: tuple[str, ...]) -> Any:
    if spec.vr in ("US", "SS", "UL", "SL", "US or SS"):
        numbers = {int(a[:-1], 16) if a.endswith("H") else int(a) for a in allowed}
        return next(n for n in (3, 5, 7, 9, 99) if n not in numbers)
    return "FOOBAR"


def mutants_of(seed: str, dataset: PydicomDataset) -> Iterator[Mutant]:
    specs = _top_specs(dataset)
    native = dataset.file_meta.TransferSyntaxUID in ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2")
    for spec in specs:
        present = _present(dataset, spec.keyword)
        if spec.type == "1" and present:
            yield Mutant(seed, "Type 1 removed", spec.keyword, _remove(spec.keyword))
            yield Mutant(seed, "Type 1 emptied", spec.keyword, _empty(spec.keyword))
        if spec.type == "2" and spec.keyword in dataset:
            yield Mutant(seed, "Type 2 removed", spec.keyword, _remove(spec.keyword))
        if present and spec.vr != "SQ":
            element = dataset[spec.keyword]
            every = spec.enumerated
            first = dict(spec.value_enumerated).get(1, every)
            if first:
                yield Mutant(seed, "enumerated value 1 changed", spec.keyword, _set_value(spec.keyword, 0, _wrong_value(spec, first)))
            third = dict(spec.value_enumerated).get(3, every)
            if element.VM >= 3 and element.VR == "CS":
                yield Mutant(seed, "enumerated value 3 changed", spec.keyword, _set_value(spec.keyword, 2, "FOOBAR"),
                             "" if third else "no Enumerated Values of value 3 in the model")
            limit = _MAX_LENGTH.get(element.VR)
            if limit and element.VM == 1 and spec.keyword not in ("PatientName",):
                text = ("1" * (limit + 1)) if element.VR in ("DS", "IS") else ("1." + "2" * (limit - 1)) if element.VR == "UI" else "A" * (limit + 1)
                yield Mutant(seed, "VR length exceeded", spec.keyword, _set(spec.keyword, text))
    yield from _trigger_mutants(seed, dataset, specs)
    if native and "PixelData" in dataset:
        yield Mutant(seed, "Pixel Data of the wrong length", "PixelData", _pixels(-2), "2 bytes short")
        yield Mutant(seed, "Pixel Data of the wrong length", "PixelData", _pixels(+2), "2 bytes long")
        yield Mutant(seed, "Pixel Data of the wrong length", "PixelData", _pixels(-len(dataset.PixelData) // 2), "half")
    yield from _specific_mutants(seed, dataset)


def _pixels(delta: int) -> Callable[[PydicomDataset], None]:
    def change(d: PydicomDataset) -> None:
        data = bytes(d.PixelData)
        d.PixelData = data[:delta] if delta < 0 else data + bytes(delta)

    return change


def _value_for(spec: AttributeSpec) -> tuple[Any, str]:
    vr = spec.vr.split(" or ")[0] or dictionary_VR(Tag(spec.keyword))
    samples: dict[str, Any] = {"US": 1, "SS": 1, "UL": 1, "SL": 1, "FL": 1.0, "FD": 1.0, "DS": "1", "IS": "1", "DA": "20260101",
                               "TM": "120000", "DT": "20260101120000", "UI": "1.2.3.4", "CS": "YES", "AT": 0x00100010}
    return samples.get(vr, "X"), vr


def _trigger_mutants(seed: str, dataset: PydicomDataset, specs: list[AttributeSpec]) -> Iterator[Mutant]:
    """For each absent 1C/2C attribute whose compiled condition is one test of one
    top-level attribute: set that attribute so the condition holds."""
    by_keyword = {s.keyword: s for s in specs}
    for spec in specs:
        condition = spec.condition
        if spec.keyword in dataset or spec.type not in ("1C", "2C") or condition is None:
            continue
        if isinstance(condition, rc.Present) and not condition.negate:
            trigger = by_keyword.get(condition.keyword)
            if trigger is None or trigger.vr == "SQ" or condition.keyword in dataset:
                continue
            value, vr = _value_for(trigger)
            yield Mutant(seed, "condition trigger set", spec.keyword, _set(condition.keyword, value, vr),
                         f"{condition.keyword} present")
        elif isinstance(condition, rc.Equals) and not condition.negate and condition.index in (0, 1):
            trigger = by_keyword.get(condition.keyword)
            if trigger is None or trigger.vr == "SQ" or trigger.vm != "1":
                continue
            vr = trigger.vr.split(" or ")[0]
            wanted: Any = int(condition.values[0]) if vr in ("US", "SS", "UL", "SL") else condition.values[0]
            if _present(dataset, condition.keyword) and str(dataset[condition.keyword].value) == str(wanted):
                continue
            yield Mutant(seed, "condition trigger set", spec.keyword, _set(condition.keyword, wanted, vr),
                         f"{condition.keyword} = {wanted}")
        elif isinstance(condition, rc.Compare) and condition.op == ">":
            trigger = by_keyword.get(condition.keyword)
            if trigger is None or trigger.vr.split(" or ")[0] not in ("US", "IS"):
                continue
            number = int(condition.number) + 2
            vr = trigger.vr.split(" or ")[0]
            yield Mutant(seed, "condition trigger set", spec.keyword, _set(condition.keyword, number if vr == "US" else str(number), vr),
                         f"{condition.keyword} = {number}")


def _specific_mutants(seed: str, dataset: PydicomDataset) -> Iterator[Mutant]:
    """The constraints of the CT Image Module's subsections (C.8.2.1.1.x), and of RT
    Dose's (C.8.8.3.4.x), one change each."""
    modality = str(dataset.Modality)
    kind = {"CT": "CT-specific constraint", "RTDOSE": "RT Dose-specific constraint"}.get(modality, f"{modality}-specific constraint")
    if "BitsStored" not in dataset:
        return
    stored = int(dataset.BitsStored)
    yield Mutant(seed, kind, "PhotometricInterpretation", _set("PhotometricInterpretation", "RGB"), "RGB")
    yield Mutant(seed, kind, "PhotometricInterpretation", _set("PhotometricInterpretation", "MONOCHROME1"), "MONOCHROME1")
    yield Mutant(seed, kind, "SamplesPerPixel", _set("SamplesPerPixel", 3), "3")
    yield Mutant(seed, kind, "BitsAllocated", _set("BitsAllocated", 8), "8")
    yield Mutant(seed, kind, "BitsStored", _set("BitsStored", 10), "10 (High Bit kept)")
    yield Mutant(seed, kind, "HighBit", _set("HighBit", stored - 2), f"Bits Stored - 2 = {stored - 2}")
    if "ImageType" in dataset and dataset["ImageType"].VM >= 2:
        yield Mutant(seed, kind, "ImageType", _set_value("ImageType", 0, "FOO"), "value 1 FOO")
    if dataset.Modality == "CT" and "RescaleType" not in dataset and "RescaleIntercept" in dataset:
        yield Mutant(seed, kind, "RescaleType", _set("RescaleType", "FOO", "LO"), "FOO (Defined Terms)")


# -- running -----------------------------------------------------------------------------


@dataclass
class Outcome:
    mutant: Mutant
    theirs: list[str]  # dciodvfy's new errors
    ours: list[str]  # our new errors
    unchecked: set[str] = field(default_factory=set)  # paths of conditions we could not check
    dataset: PydicomDataset | None = None  # the file judged, as pydicom reads it

    @property
    def aborted(self) -> bool:
        return ABORTED in self.theirs

    @property
    def column(self) -> str:
        theirs = bool(self.theirs) and not self.aborted
        return {(True, True): "both", (False, True): "only ours", (True, False): "only dciodvfy", (False, False): "neither"}[
            (theirs, bool(self.ours))
        ]


def _unchanged(dataset: PydicomDataset) -> None:
    pass


def judge(tmp: Path) -> tuple[list[Outcome], list[Outcome]]:
    """The outcomes of the unmutated corpus files (new errors: all of them) and of the mutants."""
    originals: list[Outcome] = []
    for name, path in corpus_seeds():
        ours, unchecked = our_findings(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            read_back: PydicomDataset = pydicom.dcmread(path)
        originals.append(
            Outcome(Mutant(name, "original corpus file", "", _unchanged), sorted(dciodvfy_errors(path)), sorted(ours), unchecked, read_back)
        )
    outcomes: list[Outcome] = []
    for seed in MUTATED:
        dataset = seed_dataset(seed)
        base_path = tmp / "seed.dcm"
        save(copy.deepcopy(dataset), base_path)
        base_theirs, (base_ours, _) = dciodvfy_errors(base_path), our_findings(base_path)
        for number, mutant in enumerate(mutants_of(seed, dataset)):
            mutated = copy.deepcopy(dataset)
            mutant.change(mutated)
            path = tmp / f"mutant{number}.dcm"
            save(mutated, path)
            found = dciodvfy_errors(path)
            theirs = sorted(found if ABORTED in found else found - base_theirs)
            ours, unchecked = our_findings(path)
            outcomes.append(Outcome(mutant, theirs, sorted(ours - base_ours), unchecked, mutated))
            path.unlink()
    return originals, outcomes


def table(outcomes: list[Outcome]) -> str:
    columns = ("both", "only ours", "only dciodvfy", "neither")
    counts: Counter[tuple[str, str]] = Counter((o.mutant.kind, o.column) for o in outcomes)
    kinds = list(dict.fromkeys(o.mutant.kind for o in outcomes))
    width = max(len(k) for k in kinds + ["total"])
    lines = [f"{'mutation':<{width}}  " + "  ".join(f"{c:>13}" for c in columns)]
    for kind in kinds + ["total"]:
        row = [sum(n for (k, c), n in counts.items() if c == column and (k == kind or kind == "total")) for column in columns]
        lines.append(f"{kind:<{width}}  " + "  ".join(f"{n:>13}" for n in row))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Outcome], list[Outcome]]:
    global _TMP
    _TMP = tmp_path_factory.mktemp("seeds")
    return judge(tmp_path_factory.mktemp("mutants"))


# -- explaining the disagreements -----------------------------------------------------------


@cache
def excerpt() -> InformationObjects:
    return parse_ps3.parse(mirror_file("2016c", 3))


@cache
def excerpt_sections() -> frozenset[str]:
    text = mirror_file("2016c", 3).read_text(encoding="utf-8")
    return frozenset(re.findall(r'xml:id="(sect_[^"]+)"', text))


def _tag_of(name: str) -> int | None:
    """The tag of an attribute dciodvfy names by its name ("Samples per Pixel") or keyword."""
    from pydicom.datadict import keyword_dict

    if name in keyword_dict:
        return keyword_dict[name]
    words = name.lower()
    for row in _rows():
        if row.name.lower() == words and row.tag:
            return row.value
    return None


@cache
def _rows() -> tuple[AttributeRow, ...]:
    return tuple(r for t in excerpt().tables for r in t.rows)


def missing_subsections(tag: int) -> list[str]:
    """The sections the excerpt's rows of an attribute refer to ("See Section C.8.2.1.1.3")
    that the excerpt does not contain: where PS3.3 states the attribute's constraints."""
    missing: list[str] = []
    for table in excerpt().tables:
        for row in table.rows:
            if row.value == tag and row.tag:
                for label in re.findall(r"Section ((?:[A-Z]\.)?[0-9][0-9.]*[0-9a-z]?)\b", row.description):
                    if f"sect_{label}" not in excerpt_sections():
                        missing.append(f"{label} ({table.title})")
    return sorted(set(missing))


_NAMED = re.compile(r"attribute <([^>]+)>|Element=<([^>]+)>")


def _explain_theirs(line: str, outcome: Outcome) -> str:
    """Why dciodvfy reports ``line`` and we do not; "" if no rule explains it."""
    if line == ABORTED:
        return "dciodvfy aborts on this file (32-bit native Pixel Data): it judged nothing"
    if "Bad private owner" in line:
        return "PS3.5 7.8.1 (private creator element numbers): not PS3.3"
    if "Value invalid for this VR" in line and "Leading zeroes" in line or "invalid data values for Value Representations" in line:
        return "PS3.5 9.1 (a UID component with a leading zero): a VR rule, not PS3.3"
    if re.search(r"High Bit = \d+ exceeds \d+$", line):
        return "PS3.5 8.1.1 (High Bit within Bits Allocated), not stated in PS3.3 2016c's tables (Image Pixel: 'See PS3.5')"
    conditional = re.search(r"Missing attribute Type 2C Conditional Element=<(\w+)>", line)
    if conditional and any(p == conditional.group(1) or p.endswith("." + conditional.group(1)) for p in outcome.unchecked):
        return (f"the 2C condition of {conditional.group(1)} is not checked here (of Laterality: Body Part Examined does not "
                "tell whether 'the body part examined is a paired structure', dicom_runtime.condition_facts); dciodvfy takes "
                "a body part it cannot tell as paired")
    named = _NAMED.search(line)
    if named:
        tag = _tag_of(named.group(1) or named.group(2))
        missing = missing_subsections(tag) if tag is not None else []
        if missing:
            return "PS3.3 states this in " + ", ".join(missing) + ", which the 2016c excerpt lacks"
    return ""


def _explain_ours(line: str, outcome: Outcome) -> str:
    """Why we report ``line`` and dciodvfy does not; "" if no rule explains it."""
    if outcome.aborted:
        return "dciodvfy aborts on this file (32-bit native Pixel Data): it judged nothing"
    relation = re.match(r"^HighBit: value-relation: ", line)
    if relation and not any("High Bit" in t for t in outcome.theirs):
        cls = _iod(outcome.dataset) if outcome.dataset is not None else None
        spec = next((s for s in cls.ATTRIBUTES if s.keyword == "HighBit"), None) if cls else None
        if spec is not None and "C.7-11b" in spec.source and ("BitsStored", -1) in spec.relations:
            return ("PS3.3 2016c Table C.7-11b (Image Pixel): 'High Bit shall be one less than Bits Stored'; dciodvfy "
                    "checks it only for modules that repeat it (CT Image, RT Dose, Enhanced CT), not for this IOD")
    missing = re.match(r"^(\w+): type[12]-(missing|empty): ", line)
    if missing and outcome.dataset is not None:
        keyword = missing.group(1)
        cls = _iod(outcome.dataset)
        by_keyword = {s.keyword: s.groups for s in cls.ATTRIBUTES}
        for module in by_keyword.get(keyword, ()):
            if cls.GROUP_USAGE.get(module) not in ("C", "U"):
                continue
            others = [k for k, groups in by_keyword.items() if module in groups and k != keyword and k in outcome.dataset]
            if others:
                return (f"the {module} is {cls.GROUP_USAGE[module]} and still in use ({', '.join(others[:3])} present): PS3.3 "
                        f"then requires {keyword}; dciodvfy takes the module as absent without {keyword}")
    return ""


def explain(outcome: Outcome) -> list[str]:
    """The explanation of each line of the side that flagged alone ("" where none holds)."""
    if outcome.column == "only dciodvfy":
        return [_explain_theirs(line, outcome) for line in outcome.theirs]
    if outcome.column == "only ours":
        return [_explain_ours(line, outcome) for line in outcome.ours]
    return []


def test_validation_agrees_with_dciodvfy(judged: tuple[list[Outcome], list[Outcome]]) -> None:
    originals, outcomes = judged
    every = originals + outcomes
    print()
    print(table(every))
    print(f"{len(outcomes)} mutants of {len(MUTATED)} seeds; {len(originals)} corpus files of the model's IODs")
    unexplained: list[str] = []
    reasons: Counter[str] = Counter()
    for outcome in every:
        explanations = explain(outcome)
        for line, why in zip(outcome.theirs if outcome.column == "only dciodvfy" else outcome.ours, explanations):
            if why:
                reasons[f"{outcome.column}: {why}"] += 1
            else:
                unexplained.append(f"{outcome.column}: {outcome.mutant.seed} / {outcome.mutant.kind} / {outcome.mutant.target}: {line}")
    print("\nDisagreements, explained (lines of the side that flagged alone):")
    for why, count in sorted(reasons.items()):
        print(f"{count:>4}  {why}")
    assert unexplained == []
    # the mutants are of every kind the issue asks for, and enough of them
    kinds = Counter(o.mutant.kind for o in outcomes)
    for kind in ("Type 1 removed", "Type 1 emptied", "Type 2 removed", "enumerated value 1 changed", "enumerated value 3 changed",
                 "VR length exceeded", "condition trigger set", "Pixel Data of the wrong length", "CT-specific constraint"):
        assert kinds[kind] > 0, kind
    assert len(outcomes) >= 300
    # what the issue saw: the CT Image with RGB, 8 bits, 3 samples is flagged by both
    columns = {(o.mutant.seed, o.mutant.target, o.mutant.detail): o.column for o in outcomes}
    assert columns[("CT_small.dcm", "SamplesPerPixel", "3")] == "both"
    assert columns[("CT_small.dcm", "BitsAllocated", "8")] == "both"
    # the rule PS3.3 gives in Rescale Intercept's description: Rescale Type HU for ORIGINAL, non-LOCALIZER
    assert columns[("CT_small.dcm", "RescaleType", "FOO (Defined Terms)")] == "both"


def test_an_explanation_is_not_given_to_a_disagreement_it_does_not_fit() -> None:
    """The rules explain by what they check, not by the kind of mutant."""
    empty = PydicomDataset()
    dummy = Outcome(Mutant("x", "Type 1 removed", "PatientName", _unchanged), ["Error - Missing attribute Type 1 Required Element=<PatientName> Module=<Patient>"], [], set(), empty)
    assert explain(dummy) == [""]  # Patient's Name: no section of it is missing from the excerpt
    rgb = Outcome(Mutant("x", "CT-specific constraint", "PhotometricInterpretation", _unchanged),
                  ["Error - Unrecognized enumerated value <RGB> for value 1 of attribute <Photometric Interpretation>"], [], set(), empty)
    (why,) = explain(rgb)
    assert "C.8.2.1.1.3 (CT Image Module)" in why
