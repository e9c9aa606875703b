"""The share of the full standard's conditions that compile (issues #13 and #15).

Measured on the innolitics transcription of PS3.3 (``pip install dicom-standard==0.1.0``;
its data files are found as :func:`benchmarks.condition_coverage.data_folder` says).
The figure is computed here, by the same code as ``python3 -m benchmarks.condition_coverage``.
"""

from __future__ import annotations

import pytest

from benchmarks.condition_coverage import Coverage, data_folder, measure


@pytest.fixture(scope="module")
def coverage() -> Coverage:
    try:
        folder = data_folder()
    except FileNotFoundError as exc:  # the measurement needs the data: say so, do not skip
        pytest.fail(str(exc))
    return measure(folder)


def test_the_transcription_is_the_full_standard(coverage: Coverage) -> None:
    assert coverage.occurrences.total > 20_000  # every 1C/2C row as included, and the C modules
    assert coverage.rows.total > 1_000
    assert coverage.occurrences.naming <= coverage.occurrences.total


def test_at_least_85_percent_of_conditions_naming_an_attribute_compile(coverage: Coverage) -> None:
    for tally in (coverage.occurrences, coverage.rows):
        counted = tally.full + tally.partial + tally.outside + tally.pattern
        assert counted == tally.total
        assert tally.share >= 0.85, "\n".join(tally.lines("coverage"))


def test_the_code_sequence_macro_is_checked_where_it_can_be(coverage: Coverage) -> None:
    # "Code Value (0008,0100) is not present and the Code Value is a URN or URL": the first part
    # is checked, the second is listed as not checked
    parts = [p for p in coverage.unchecked if "the Code Value is a URN or URL" in p]
    assert parts and all(p.startswith("[outside]") for p in parts)
    assert not any("Code Value (0008,0100) is not present and the Code Value" in s for s in coverage.uncompiled)
