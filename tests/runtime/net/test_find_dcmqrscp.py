"""C-FIND matching held to dcmtk's dcmqrscp: the same queries to dcmqrscp and to ``dicom-net
scp`` over the same instances find the same entities (PS3.4 C.2.2.2).

Generated keys at the four levels (Patient Root for PATIENT, Study Root below): wild cards
at every position, lower and upper case, surrounding spaces, ``*`` alone and with a space,
open and closed date and time ranges with and without spaces, reversed ranges, lists of
UIDs with one unknown, empty keys, lists of CS values, IS written otherwise; and hand-made
ones (ACR-NEMA dates and times, ranges of what is no date or time, wild cards after a space).

The one difference kept: a range with spaces around its ``-`` (``20100101 - 20101231``,
the form PS3.4 C.2.2.2.5 prints) is that range to us; dcmqrscp finds nothing for it. So
for such a key ours is held to dcmqrscp's answer to the range written without the spaces.
"""

from __future__ import annotations

import random
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from tests.runtime.net.helpers import ScpProcess, free_port, tool, wait_listening

ROOT = "1.2.826.0.1.3680043.10.979"
NAMES = ["Doe^John", "doe^john", "DOE^JOHN^A", "Smith^Mary Ann", "Smith^Mary", "O'Brien^Pat", "Lee^Kim^^Dr", "Nguyen",
         "van der Berg^Anna", "Smith^Maryann", "Ab", "Doe^Jane"]
IDS = ["P001", "p001", "P002", "PX-3", "P004 ", "ID 5", "P006", "P007", "P008", "P009", "A", "P011"]
DESCRIPTIONS = ["HEAD", "Head", "head ct", "CT Chest", "chest", "MR Brain W/O", "", None, "Abdomen^Pelvis", "Knee L", "knee l"]
DATES = ["20040119", "20100505", "20101231", "20110101", "19991231", "20000229", "", None, "20100506", "2010.06.01"]
TIMES = ["083000", "0830", "120000.5", "235959", "000000", "10", "1015", "", None, "143012.123456", "08:45"]
UNIQUE = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID", "IMAGE": "SOPInstanceUID"}
KEYS = {
    "PATIENT": ["PatientName", "PatientID", "PatientBirthDate", "PatientSex"],
    "STUDY": ["StudyDate", "StudyTime", "AccessionNumber", "StudyID", "StudyDescription", "ReferringPhysicianName",
              "StudyInstanceUID", "PatientName"],
    "SERIES": ["Modality", "SeriesNumber", "SeriesInstanceUID"],
    "IMAGE": ["InstanceNumber", "SOPInstanceUID"],
}
QUERIES = 160


def _instances() -> list[Dataset]:
    rng = random.Random(9)
    made = []
    for p, name in enumerate(NAMES):
        for s in range(rng.choice([1, 2])):
            study = f"{ROOT}.{p + 1}.{s + 1}"
            values = {"StudyDate": rng.choice(DATES), "StudyTime": rng.choice(TIMES), "StudyDescription": rng.choice(DESCRIPTIONS),
                      "AccessionNumber": rng.choice(["ACC1", "acc1", "A-2", "", None, f"AC{p}{s}"]),
                      "StudyID": rng.choice(["1", "S1", "s1", "", None, f"{p}{s}"]),
                      "ReferringPhysicianName": rng.choice(["Ref^Doc", "ref^doc", "", None, "House^Greg"])}
            for e in range(rng.choice([1, 2])):
                modality = rng.choice(["CT", "MR", "US", "CR", "OT"])
                for i in range(rng.choice([1, 2])):
                    data = Dataset()
                    data.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
                    data.SOPInstanceUID = f"{study}.{e + 1}.{i + 1}"
                    data.PatientName, data.PatientID = name, IDS[p]
                    data.PatientBirthDate = rng.choice(["19700101", "19801231", "", "20010911"])
                    data.PatientSex = rng.choice(["M", "F", "O", ""])
                    data.StudyInstanceUID, data.SeriesInstanceUID = study, f"{study}.{e + 1}"
                    for keyword, value in values.items():
                        if value is not None:
                            setattr(data, keyword, value)
                    data.Modality, data.SeriesNumber, data.InstanceNumber, data.ConversionType = modality, e + 1, i + 1, "WSD"
                    made.append(data)
    return made


def _save(data: Dataset, path: Path) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = data.SOPClassUID, data.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    data.file_meta = meta
    data.save_as(path, enforce_file_format=True)


def _present(instances: list[Dataset], keyword: str) -> list[str]:
    return sorted({str(data.get(keyword, "")) for data in instances if keyword in data} - {""})


def _text(rng: random.Random, pool: list[str]) -> str:
    base = rng.choice(pool)
    cut = rng.randrange(len(base) + 1)
    return rng.choice([
        base, base.lower(), base.upper(), base[:cut] + "*" + base[cut:], base[:cut] + "?" + base[cut + 1:],
        base[:max(1, cut)] + "*", "*" + base[cut:], f" {base}", f"{base} ", "*", "* *", "",
        rng.choice(["*a*", "*A*", "?", "??", "*^*", "D*", "d*"]),
    ])


def _temporal(rng: random.Random, pool: list[str], time: bool) -> str:
    extra = ["0900", "1200", "08", "2359"] if time else ["20100101", "20050101", "19000101", "20991231"]
    a, b = sorted([rng.choice(pool + extra), rng.choice(pool + extra)])
    return rng.choice([a, f"{a}-{b}", f"{a}-", f"-{b}", f"{a} - {b}", f" {a}-{b}", f"{a}- ", f" -{b}", f"{b}-{a}",
                       f"{a}-{b} ", f"{a}\\{b}", "-", ""])


def _value(rng: random.Random, instances: list[Dataset], keyword: str) -> str:
    pool = _present(instances, keyword)
    if keyword in ("StudyDate", "PatientBirthDate", "StudyTime"):
        return _temporal(rng, pool, keyword == "StudyTime")
    if keyword.endswith("InstanceUID"):
        return rng.choice([rng.choice(pool), "\\".join(rng.sample(pool, 3)), rng.choice(pool) + "\\1.2.3.4", ""])
    if keyword in ("SeriesNumber", "InstanceNumber"):
        return rng.choice(["1", "2", " 1", "01", "", "3", "1\\2", "+1"])
    if keyword == "Modality" and rng.random() < 0.3:
        return "\\".join(rng.sample(pool, 2))
    return _text(rng, pool)


HANDMADE: list[tuple[str, str]] = [
    ("StudyDate", v) for v in ["2010.05.05", "2010.05.05-2011.01.01", "20100601", "2010-2011", "201005-201006",
                               "-20040119-", "20100505-20100505-20100505", "x-y"]
] + [
    ("StudyTime", v) for v in ["0830", "083000.000", "-0830", "101500-1015", "08:30-09:00", "0845", "0830-0900-1000", "1-2", "10-10"]
] + [("StudyDescription", v) for v in ["head", " HEAD", "* *", " * ", "**", " HE*", " *ct "]] + [("AccessionNumber", "ACC1\\acc1")] + [
    ("PatientName", v) for v in [" D*", " *John", "  S?ith^Mary* "]
]


def _queries(instances: list[Dataset]) -> list[tuple[str, dict[str, str]]]:
    rng = random.Random(1)
    queries: list[tuple[str, dict[str, str]]] = []
    for n in range(QUERIES):
        level = ["PATIENT", "STUDY", "STUDY", "SERIES", "IMAGE"][n % 5]
        data = rng.choice(instances)
        query = {"QueryRetrieveLevel": level}
        if level in ("SERIES", "IMAGE"):
            query["StudyInstanceUID"] = str(data.StudyInstanceUID)
        if level == "IMAGE":
            query["SeriesInstanceUID"] = str(data.SeriesInstanceUID)
        for keyword in rng.sample(KEYS[level], rng.choice([1, 1, 2])):
            query.setdefault(keyword, _value(rng, instances, keyword))
        query.setdefault(UNIQUE[level], "")
        queries.append(("PATIENT" if level == "PATIENT" else "STUDY", query))
    for keyword, value in HANDMADE:
        queries.append(("STUDY", {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": "", keyword: value}))
    return queries


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int, list[Dataset]]]:
    folder = tmp_path_factory.mktemp("dcmqrscp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of the ACR-NEMA date and time, which are meant
        instances = _instances()
    (folder / "db").mkdir()
    (folder / "ours").mkdir()
    for n, data in enumerate(instances):
        _save(data, folder / "db" / f"i{n:03d}.dcm")
        _save(data, folder / "ours" / f"i{n:03d}.dcm")
    indexed = subprocess.run([tool("dcmqridx"), str(folder / "db"), *sorted(str(p) for p in (folder / "db").glob("*.dcm"))],
                             capture_output=True, text=True, timeout=60)
    assert indexed.returncode == 0, indexed.stdout + indexed.stderr
    port = free_port()
    config = folder / "dcmqrscp.cfg"
    config.write_text(f"NetworkTCPPort = {port}\nMaxPDUSize = 16384\nMaxAssociations = 16\nHostTable BEGIN\nHostTable END\n"
                      f"VendorTable BEGIN\nVendorTable END\nAETable BEGIN\nQR {folder / 'db'} RW (200, 1024mb) ANY\nAETable END\n")
    dcmqrscp = subprocess.Popen([tool("dcmqrscp"), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = ScpProcess(folder / "ours", folder / "scp.log")
    try:
        wait_listening(port, dcmqrscp, "dcmqrscp")
        ours.start()
        yield port, ours.port, instances
    finally:
        dcmqrscp.terminate()
        dcmqrscp.wait(10)
        if ours.process is not None:
            assert ours.stop() == 0


def _find(port: int, aet: str, queries: list[tuple[str, dict[str, str]]]) -> list[set[str]]:
    """The unique keys of each query's matches, over one association (pynetdicom's SCU)."""
    from pynetdicom import AE
    from pynetdicom.sop_class import PatientRootQueryRetrieveInformationModelFind as PATIENT_ROOT  # type: ignore[attr-defined]
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind as STUDY_ROOT  # type: ignore[attr-defined]

    ae: Any = AE(ae_title="CFIND")
    ae.add_requested_context(PATIENT_ROOT)
    ae.add_requested_context(STUDY_ROOT)
    association = ae.associate("127.0.0.1", port, ae_title=aet)
    assert association.is_established, aet
    found: list[set[str]] = []
    try:
        for model, query in queries:
            identifier = Dataset()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pydicom warns of a key that is no valid value of its VR (a range, a wild card)
                for keyword, value in query.items():
                    setattr(identifier, keyword, value)
            matched: set[str] = set()
            statuses = []
            for status, answer in association.send_c_find(identifier, PATIENT_ROOT if model == "PATIENT" else STUDY_ROOT):
                statuses.append(status.Status if status is not None else None)
                if answer is not None and status.Status in (0xFF00, 0xFF01):
                    matched.add(str(answer.get(UNIQUE[query["QueryRetrieveLevel"]], "")))
            assert statuses and statuses[-1] == 0x0000, (aet, query, statuses)
            found.append(matched)
    finally:
        association.release()
    return found


def _spaced_range(value: str) -> bool:
    low, _, high = value.partition("-")
    return bool(high) and (low.endswith(" ") and low.strip() != "" or high.startswith(" ") and high.strip() != "")


def _without_spaces(query: dict[str, str]) -> dict[str, str]:
    return {k: "-".join(part.strip() for part in v.split("-")) if k in ("StudyDate", "StudyTime", "PatientBirthDate") else v
            for k, v in query.items()}


def test_the_same_queries_find_the_same_entities_as_dcmqrscp(servers: tuple[int, int, list[Dataset]]) -> None:
    dcmqrscp_port, our_port, instances = servers
    queries = _queries(instances)
    spaced = [n for n, (_, query) in enumerate(queries) if any(_spaced_range(query.get(k, "")) for k in ("StudyDate", "StudyTime", "PatientBirthDate"))]
    theirs = _find(dcmqrscp_port, "QR", [*queries, *[(queries[n][0], _without_spaces(queries[n][1])) for n in spaced]])
    ours = _find(our_port, "OURSCP", queries)
    expected = theirs[: len(queries)]
    for n, answer in zip(spaced, theirs[len(queries):]):
        expected[n] = answer
    differ = [(queries[n][1], sorted(expected[n]), sorted(ours[n])) for n in range(len(queries)) if expected[n] != ours[n]]
    assert not differ, "\n".join(f"{q}: dcmqrscp {len(e)} {e[:3]}, ours {len(o)} {o[:3]}" for q, e, o in differ)
    assert sum(1 for found in ours if found) > len(queries) // 2  # most find something: the comparison says something
    assert spaced  # the spaced ranges were asked
