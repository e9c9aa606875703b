"""C-FIND answers in the character sets of the instances they come from (PS3.4 C.4.1.1.3.2):
a query without Specific Character Set over instances with non-ASCII names gets every
match, each with its instance's Specific Character Set, as dcmtk's findscu and pydicom read
them; and a match that cannot be encoded is left out, the others still sent, and the final
response says so."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from dicom_model.queries import StudyRootStudyQuery
from dicom_runtime import Dataset
from dicom_runtime.net.aio import Handlers, QueryRequest, associate, storage_policy
from dicom_runtime.net.server import Server
from tests.runtime.net.helpers import STUDY_FIND, ScpProcess, scp_holding, tool

CHARSET_FILES = ["chrFren.dcm", "chrGerm.dcm", "chrGreek.dcm", "chrRuss.dcm", "chrArab.dcm", "chrHbrw.dcm", "chrX1.dcm",
                 "chrX2.dcm", "chrH31.dcm", "chrH32.dcm", "chrI2.dcm", "chrJapMulti.dcm", "chrKoreanMulti.dcm"]
UNDECLARED_STUDY = "1.2.826.0.1.3680043.10.77.2"


def _sources(folder: Path) -> list[Path]:
    """pydicom's CT_small and character set files, and chrFren without its Specific
    Character Set (Latin-1 bytes the default repertoire has not: decoded as read, they
    encode in no character set of the instance's)."""
    paths = [Path(str(get_testdata_file("CT_small.dcm")))]
    charset_folder = Path(pydicom.data.__file__).parent / "charset_files"
    paths += [charset_folder / name for name in CHARSET_FILES]
    undeclared = pydicom.dcmread(charset_folder / "chrFren.dcm")
    del undeclared.SpecificCharacterSet
    undeclared.SOPInstanceUID = undeclared.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.UID("1.2.826.0.1.3680043.10.77.1")
    undeclared.StudyInstanceUID = UNDECLARED_STUDY
    folder.mkdir()
    paths.append(folder / "undeclared.dcm")
    undeclared.save_as(paths[-1])
    return paths


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScpProcess, list[Path]]]:
    folder = tmp_path_factory.mktemp("charsets")
    sources = _sources(folder / "files")
    for process in scp_holding(folder, sources):
        yield process, sources


def test_a_query_without_specific_character_set_gets_every_match_in_its_character_set(
        archive: tuple[ScpProcess, list[Path]], tmp_path: Path) -> None:
    process, sources = archive
    result = subprocess.run([tool("findscu"), "-v", "-X", "-S", "-aec", "OURSCP", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName",
                             "-k", "StudyInstanceUID", "127.0.0.1", str(process.port)], capture_output=True, timeout=60, cwd=tmp_path)
    text = (result.stdout + result.stderr).decode("latin-1")
    assert result.returncode == 0 and "Received Final Find Response (Success)" in text, text
    answers = {str(d.StudyInstanceUID): d for d in map(pydicom.dcmread, sorted(tmp_path.glob("rsp*.dcm")))}
    assert len(answers) == len(sources)
    for source in sources[:-1]:
        expected = pydicom.dcmread(source)
        answer = answers[str(expected.StudyInstanceUID)]
        assert answer.SpecificCharacterSet == expected.SpecificCharacterSet, source.name
        assert str(answer.PatientName) == str(expected.PatientName), source.name
    undeclared = answers[UNDECLARED_STUDY]  # answered in UTF-8, declared so
    assert undeclared.SpecificCharacterSet == "ISO_IR 192" and str(undeclared.PatientName) == "Buc^Jérôme"
    assert "sent in ISO_IR 192" in process.log.read_text()


def test_a_match_that_cannot_be_encoded_is_left_out_and_the_final_response_says_so() -> None:
    def answer(study: str, rows: object = 512) -> Dataset:
        data = Dataset()
        data.add(0x00080052, "CS", "STUDY")
        data.add(0x0020000D, "UI", study)
        data.add(0x00280010, "US", rows)  # type: ignore[arg-type]  # a str here encodes in no character set
        return data

    async def find(request: QueryRequest) -> AsyncIterator[Dataset]:
        for data in (answer("1.2.1"), answer("1.2.2", "many"), answer("1.2.3")):
            yield data

    async def main() -> None:
        server = Server(storage_policy("ARCHIVE", [STUDY_FIND]), Handlers(find=find))
        await server.start()
        try:
            async with await associate("127.0.0.1", server.port, called_ae="ARCHIVE", contexts=[STUDY_FIND]) as scu:
                query = scu.find(StudyRootStudyQuery(StudyInstanceUID=""))
                found = [match.StudyInstanceUID async for match in query]
                assert found == ["1.2.1", "1.2.3"]  # the one after the failure too
                assert query.status is not None and query.status.code == 0xC000
                assert "1 match not sent, cannot be encoded" in (query.status.comment or "")
        finally:
            await server.close()

    asyncio.run(asyncio.wait_for(main(), 60))
