"""The query index gives what the scan of the files gives (#19): randomised C-FIND, C-MOVE
and C-GET identifiers over 2,000 instances, against :class:`ScanningQuery`, the former
implementation that reads every file's header.

The instances have the values that put the index's SQL step to the test: values with
surrounding spaces, several values, empty and absent attributes, non-ASCII names,
brackets (wildcard syntax), and attributes the index keeps no column for, or does not
keep at all (read from the file).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dicom_runtime.dataset import DataElement, Dataset, Value
from dicom_runtime.dictionary import lookup
from dicom_runtime.fileformat import write_bytes_atomic
from dicom_runtime.net.index import COLUMNS, STORED_TAGS
from dicom_runtime.net.instances import Instance
from dicom_runtime.net.matching import COMPUTED_KEYS, LEVELS, ScanningQuery, answers
from dicom_runtime.net.storage import StorageFolder

CT, MR = "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4"
ROOT = "1.2.826.0.1.3680043.10.19"
INSTANCES = 2000
NAMES = ["DOE^JOHN", "Doe^Jane", "DOE^JOHANNA", "SMITH^A", "O[B]RIEN^X", "MÜLLER^JÖRG", "李^华", " SPACED^NAME ", "Q?UERY^Y"]
MODALITIES = ["CT", "MR", "US", "", "CT "]
DESCRIPTIONS = ["HEAD", "CHEST ABDOMEN", "head", "Knee*", ""]
MODELS = ["Manufacturer A", "B-Scanner", "CT 9000"]  # (0008,1090): not kept in the index, read from the file


@dataclass(frozen=True)
class Pools:
    """Values present in the folder, for queries that find something."""

    patients: list[str]
    studies: list[str]
    series: list[str]
    instances: list[str]
    dates: list[str]
    accessions: list[str]


def _value(rng: random.Random, choices: list[str]) -> Value:
    roll = rng.random()
    if roll < 0.05:
        return None  # present without a value
    if roll < 0.09:
        return [rng.choice(choices), rng.choice(choices)]  # several values
    return rng.choice(choices)


def _build(folder: Path) -> Pools:
    rng = random.Random(19)
    patients = [f"P{n:03d}" for n in range(60)] + [" P-SPACE ", "P[1]"]
    studies: list[str] = []
    series: list[str] = []
    instances: list[str] = []
    dates = [f"20{rng.randint(18, 22):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" for _ in range(40)]
    accessions = [f"ACC{n}" for n in range(80)]
    plan: list[tuple[str, str, str, str]] = []  # patient, study, date, accession
    for n in range(150):
        plan.append((rng.choice(patients), f"{ROOT}.1.{n}", rng.choice(dates), rng.choice(accessions)))
    studies = [study for _, study, _, _ in plan]
    count = 0
    while count < INSTANCES:
        patient, study, date, accession = rng.choice(plan)
        series_uid = f"{study}.{rng.randint(1, 4)}"
        if series_uid not in series:
            series.append(series_uid)
        uid = f"{ROOT}.2.{count}"
        instances.append(uid)
        data = Dataset()
        data.add(0x00080005, "CS", "ISO_IR 192")
        sop_class = MR if rng.random() < 0.3 else CT
        data.add(0x00080016, "UI", sop_class)
        data.add(0x00080018, "UI", uid)
        if rng.random() < 0.9:
            data.add(0x00080020, "DA", date if rng.random() < 0.95 else None)
        if rng.random() < 0.8:
            data.add(0x00080030, "TM", f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}" + (".25" if rng.random() < 0.2 else ""))
        data.add(0x00080050, "SH", accession if rng.random() < 0.9 else "")
        if rng.random() < 0.95:
            data.add(0x00080060, "CS", _value(rng, MODALITIES))
        if rng.random() < 0.7:
            data.add(0x00081030, "LO", _value(rng, DESCRIPTIONS))
        if rng.random() < 0.6:
            data.add(0x00081090, "LO", rng.choice(MODELS))
        data.add(0x00100010, "PN", _value(rng, NAMES))
        if rng.random() < 0.97:
            data.add(0x00100020, "LO", patient)
        data.add(0x00100040, "CS", rng.choice(["M", "F", "O"]))
        data.add(0x0020000D, "UI", study)
        data.add(0x0020000E, "UI", series_uid)
        data.add(0x00200010, "SH", f"S{rng.randint(1, 9)}")
        data.add(0x00200011, "IS", str(rng.randint(1, 4)))
        data.add(0x00200013, "IS", str(count % 50))
        write_bytes_atomic(folder / f"{uid}.dcm", Instance.from_dataset(data).file_bytes(), durable=False)
        count += 1
    return Pools(patients, studies, series, instances, dates, accessions)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StorageFolder, ScanningQuery, Pools]]:
    root = tmp_path_factory.mktemp("indexed")
    pools = _build(root)
    folder = StorageFolder(root, journal=False)  # no index yet: built from the files
    assert len(folder.index or ()) == INSTANCES
    scan = ScanningQuery(root)
    entries = scan.entries()  # the headers read once: the files do not change during these tests, so the
    scan.entries = lambda: entries  # type: ignore[method-assign]  # scan need not list and stat them again
    yield folder, scan, pools
    folder.close()


def _vr(tag: int) -> str:
    return lookup(tag).vrs[0]


def _key(draw: st.DrawFn, tag: int, pools: Pools) -> DataElement:
    """A matching key for ``tag``, of a kind PS3.4 C.2.2.2 names, mostly with values present."""
    vr = _vr(tag)
    pool = {
        0x00100020: pools.patients, 0x0020000D: pools.studies, 0x0020000E: pools.series, 0x00080018: pools.instances,
        0x00080020: pools.dates, 0x00080050: pools.accessions, 0x00100010: NAMES, 0x00080060: MODALITIES,
        0x00081030: DESCRIPTIONS, 0x00081090: MODELS, 0x00080016: [CT, MR], 0x00100040: ["M", "F", "O"],
        0x00200010: [f"S{n}" for n in range(1, 10)], 0x00200011: ["1", "2", "3", "4"],
        0x00080030: ["101010", "000000", "235959.25"],
    }[tag]
    sample = draw(st.sampled_from(pool))
    kinds = ["universal", "single", "single", "single"]
    if vr == "UI":
        kinds += ["list", "list", "text list"]
    elif vr in ("DA", "TM"):
        kinds += ["range", "range", "open low", "open high", "dash"]
    else:
        kinds += ["prefix", "question", "star", "contains"]
    kind = draw(st.sampled_from(kinds))
    value: Value
    if kind == "universal":
        value = draw(st.sampled_from([None, "", "*"])) if vr not in ("UI", "DA", "TM") else None
    elif kind == "single":
        value = draw(st.sampled_from([sample, sample.strip(), f" {sample} ", sample.lower(), "NOT-THERE"]))
    elif kind in ("list", "text list"):
        uids = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4)) + draw(st.sampled_from([[], ["9.9.9"]]))
        value = list(uids) if kind == "list" and len(uids) > 1 else "\\".join(uids)
    elif kind in ("range", "open low", "open high", "dash"):
        other = draw(st.sampled_from(pool))
        low, high = sorted([sample, other])
        value = {"range": f"{low}-{high}", "open low": f"-{high}", "open high": f"{low}-", "dash": "-"}[kind]
    else:
        cut = draw(st.integers(0, max(0, len(sample.strip()) - 1)))
        stem = sample.strip()
        value = {"prefix": stem[:cut] + "*", "question": stem[:cut] + "?" + stem[cut + 1:], "star": "*",
                 "contains": "*" + stem[cut:cut + 2] + "*"}[kind]
    return DataElement(tag, vr, value)


QUERY_TAGS = [0x00100020, 0x0020000D, 0x0020000E, 0x00080018, 0x00080020, 0x00080050, 0x00100010, 0x00080060,
              0x00081030, 0x00080016, 0x00100040, 0x00200010, 0x00200011, 0x00080030]
"""Keys with a column of the index's, or kept in its rows."""
FILE_KEY = 0x00081090
"""A key the index does not keep: matched on the candidates' headers, read from their files."""
RETURN_TAGS = [0x00100010, 0x00100020, 0x00100030, 0x00080020, 0x00081030, 0x00080060, 0x00200011, 0x00200013, *COMPUTED_KEYS]
FILE_RETURN_TAGS = [0x00081090, 0x00181050]
"""Return keys the index does not keep (one absent from every file): read from the first file of each answer."""


@st.composite
def identifiers(draw: st.DrawFn, pools: Pools, tags: list[int] = QUERY_TAGS, extra: tuple[int, ...] = (),
                returned: list[int] = RETURN_TAGS) -> tuple[Dataset, str]:
    level = draw(st.sampled_from(LEVELS))
    identifier = Dataset()
    identifier.add(0x00080052, "CS", level)
    for tag in [*draw(st.lists(st.sampled_from(tags), min_size=1, max_size=4, unique=True)), *extra]:
        identifier[tag] = _key(draw, tag, pools)
    for tag in draw(st.lists(st.sampled_from(returned), max_size=4, unique=True)):
        if tag not in identifier:
            identifier[tag] = DataElement(tag, COMPUTED_KEYS[tag][1] if tag in COMPUTED_KEYS else _vr(tag), None)
    if level == "STUDY" and draw(st.booleans()):
        modalities: Value = draw(st.sampled_from(["CT", "CT\\MR", "US", "MR", "list"]))
        identifier[0x00080061] = DataElement(0x00080061, "CS", ["CT", "MR"] if modalities == "list" else modalities)
    return identifier, level


def test_the_kept_attributes_cover_the_indexed_columns() -> None:
    assert set(COLUMNS) <= STORED_TAGS and 0x00081090 not in STORED_TAGS


def _compare(folder: StorageFolder, scan: ScanningQuery, pools: Pools, examples: int, strategy: st.SearchStrategy[tuple[Dataset, str]]) -> dict[str, int]:
    seen = {"matched": 0, "empty": 0}

    @settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def check(query: tuple[Dataset, str]) -> None:
        identifier, level = query
        indexed = folder.matching(identifier, level)
        scanned = scan.matching(identifier, level)
        assert [path for path, _ in indexed] == [path for path, _ in scanned]  # C-MOVE / C-GET
        assert list(answers(identifier, level, indexed)) == list(answers(identifier, level, scanned))  # C-FIND
        seen["matched" if indexed else "empty"] += 1

    check()
    return seen


@pytest.mark.slow
def test_the_index_answers_as_the_scan_of_the_files(archive: tuple[StorageFolder, ScanningQuery, Pools]) -> None:
    folder, scan, pools = archive
    seen = _compare(folder, scan, pools, 600, identifiers(pools))
    # the queries find something often enough to mean something, and not always everything
    assert seen["matched"] >= 200 and seen["empty"] >= 50, seen


def test_keys_the_index_does_not_keep_are_matched_on_the_files(archive: tuple[StorageFolder, ScanningQuery, Pools]) -> None:
    folder, scan, pools = archive
    seen = _compare(folder, scan, pools, 25, identifiers(pools, [0x00100020, 0x0020000D, 0x00080020, 0x00100010], (FILE_KEY,), FILE_RETURN_TAGS))
    assert seen["matched"] >= 5, seen


def _alone(tag: int, value: Value) -> Dataset:
    identifier = Dataset()
    identifier.add(0x00080052, "CS", "IMAGE")
    identifier.add(tag, _vr(tag), value)
    return identifier


def test_a_star_matches_every_instance_the_attribute_absent_included(archive: tuple[StorageFolder, ScanningQuery, Pools]) -> None:
    folder, scan, _ = archive
    entries = scan.entries()
    for tag in (0x00081030, 0x00080060, 0x00100020, 0x00100010, FILE_KEY):  # PS3.4 C.2.2.2.4: "*" is universal matching
        assert any(header.value(tag) in (None, "", []) for _, header in entries)  # some have no such attribute, or no value
        for value in ("*", "**"):
            identifier = _alone(tag, value)
            assert len(folder.matching(identifier, "IMAGE")) == len(scan.matching(identifier, "IMAGE")) == INSTANCES, (tag, value)


def test_an_empty_date_is_in_no_range_open_at_either_end(archive: tuple[StorageFolder, ScanningQuery, Pools]) -> None:
    folder, scan, pools = archive
    entries = scan.entries()
    dates = {path: header.value(0x00080020) for path, header in entries}
    dated = {path for path, value in dates.items() if isinstance(value, str) and value}
    assert "" in dates.values() and len(dated) < INSTANCES - 100  # empty and absent dates, a hundred or more
    for date in sorted(pools.dates)[::8]:
        found: list[set[Path]] = []
        for value in (f"-{date}", f"{date}-"):  # PS3.4 C.2.2.2.5: either side of ``date``, ``date`` included
            identifier = _alone(0x00080020, value)
            indexed = [path for path, _ in folder.matching(identifier, "IMAGE")]
            assert indexed == [path for path, _ in scan.matching(identifier, "IMAGE")], value
            found.append(set(indexed))
        assert found[0] | found[1] == dated and found[0] & found[1] == {p for p in dated if dates[p] == date}, date
