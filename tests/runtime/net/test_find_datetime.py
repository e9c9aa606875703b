"""Date Time (DT) matching over a live ``dicom-net scp``, as dcmtk's findscu and pynetdicom
ask it (PS3.4 C.2.2.2.1.3, C.2.2.2.5.1): Acquisition DateTime keys find instances by the
moments they name, their UTC offsets and Timezone Offset From UTC (0008,0201) applied;
a key that is no DT value is answered A900 with an Error Comment naming the attribute
and the value. The rules one by one: ``test_matching_dt.py``."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pydicom.uid
import pytest
from pydicom.data import get_testdata_file

from tests.runtime.net.helpers import ScpProcess, scp_holding, tool

pytestmark = pytest.mark.filterwarnings("ignore:Invalid value for VR DT:UserWarning")  # pydicom, of the invalid values sent

ROOT = "1.2.826.0.1.3680043.10.79"
STUDY, SERIES = f"{ROOT}.1", f"{ROOT}.1.1"
INSTANCES = {  # SOP Instance UID's last component: (Acquisition DateTime, Timezone Offset From UTC); None: absent
    1: ("20200101120000", None),         # 12:00 UTC: no offset anywhere, so as written
    2: ("20200101130000+0100", None),    # 12:00 UTC, its own offset
    3: ("20200101070000", "-0500"),      # 12:00 UTC, by the instance's Timezone Offset From UTC
    4: ("20200101120000.5", "+0000"),    # half a second later
    5: ("2019", None),                   # the whole of 2019
    6: ("2020-01-01", None),             # no DT value: matches nothing
    7: (None, None),
}


def _write(folder: Path) -> list[Path]:
    folder.mkdir()
    source = get_testdata_file("CT_small.dcm")
    assert isinstance(source, str)
    paths = []
    for n, (when, zone) in INSTANCES.items():
        data = pydicom.dcmread(source)
        data.StudyInstanceUID, data.SeriesInstanceUID = STUDY, SERIES
        data.SOPInstanceUID = data.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.UID(f"{SERIES}.{n}")
        for keyword in ("AcquisitionDateTime", "TimezoneOffsetFromUTC"):
            if keyword in data:
                delattr(data, keyword)
        if when is not None:
            data.AcquisitionDateTime = when
        if zone is not None:
            data.TimezoneOffsetFromUTC = zone
        paths.append(folder / f"{n}.dcm")
        data.save_as(paths[-1])
    return paths


@pytest.fixture(scope="module")
def scp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScpProcess]:
    folder = tmp_path_factory.mktemp("datetime")
    yield from scp_holding(folder, _write(folder / "files"))


def found(scp: ScpProcess, *keys: str) -> set[int]:
    """The instances (by :data:`INSTANCES` number) an IMAGE level findscu query with ``keys`` finds."""
    base = ("QueryRetrieveLevel=IMAGE", f"StudyInstanceUID={STUDY}", f"SeriesInstanceUID={SERIES}", "SOPInstanceUID")
    arguments = [a for k in (*base, *keys) for a in ("-k", k)]
    result = subprocess.run([tool("findscu"), "-v", "-S", "-aec", "OURSCP", *arguments, "127.0.0.1", str(scp.port)],
                            capture_output=True, timeout=60)
    text = (result.stdout + result.stderr).decode("latin-1")
    assert result.returncode == 0 and "Received Final Find Response (Success)" in text, text
    uids = re.findall(r"\(0008,0018\) UI \[([0-9.]+)", text.split("Find Response:", 1)[-1])
    return {int(uid.rsplit(".", 1)[1]) for uid in uids}


def test_the_same_instant_written_otherwise_is_found(scp: ScpProcess) -> None:
    noon = {1, 2, 3}  # the first tenth of a second of 12:00:00 UTC: 4 is later, the others any moment of that second
    assert found(scp, "AcquisitionDateTime=20200101120000.0") == noon
    assert found(scp, "AcquisitionDateTime=20200101210000.0+0900") == noon
    assert found(scp, "AcquisitionDateTime=20200101130000.0", "TimezoneOffsetFromUTC=+0100") == noon  # the query's offset
    assert found(scp, "AcquisitionDateTime=20200101120000") == {1, 2, 3, 4}  # the second
    assert found(scp, "AcquisitionDateTime=20200101120000+0100") == set()  # an hour earlier


def test_ranges_open_at_either_end_and_partial_values(scp: ScpProcess) -> None:
    assert found(scp, "AcquisitionDateTime=2020") == {1, 2, 3, 4}
    assert found(scp, "AcquisitionDateTime=-2019") == {5}
    assert found(scp, "AcquisitionDateTime=20191231-") == {1, 2, 3, 4, 5}  # 2019 may be its last day
    assert found(scp, "AcquisitionDateTime=-20200101120000.4") == {1, 2, 3, 5}  # 4 is from .5 on, the others any moment of their second
    assert found(scp, "AcquisitionDateTime=-20200101115959") == {5}
    assert found(scp, "AcquisitionDateTime=-") == {1, 2, 3, 4, 5}  # neither the invalid nor the absent value


@pytest.mark.parametrize("key", ["2020-01-01", "20201301", "2021-2020"])
def test_an_invalid_key_is_answered_a900_naming_it(scp: ScpProcess, key: str) -> None:
    from pydicom.dataset import Dataset
    from pynetdicom import AE
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind  # type: ignore[attr-defined]

    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID, identifier.SeriesInstanceUID, identifier.SOPInstanceUID = STUDY, SERIES, ""
    identifier.AcquisitionDateTime = key
    ae = AE(ae_title="FINDSCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    association = ae.associate("127.0.0.1", scp.port, ae_title="OURSCP")
    assert association.is_established
    try:
        responses = list(association.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind))
    finally:
        association.release()
    assert len(responses) == 1, responses
    status, answer = responses[0]
    assert status.Status == 0xA900 and answer is None
    comment = str(status.get("ErrorComment", ""))
    assert "(0008,002A)" in comment and key[:10] in comment, comment  # Error Comment: at most 64 characters
