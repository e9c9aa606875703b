"""Tag, VM and retirement cells of the registry tables."""

from __future__ import annotations

import pytest

from dicom_codegen.parse_elements import parse_tag, parse_vm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(0010,0010)", ("(0010,0010)", 0x00100010, 0xFFFFFFFF)),
        ("(60xx,0010)", ("(60xx,0010)", 0x60000010, 0xFF00FFFF)),
        ("(0020,31xx)", ("(0020,31xx)", 0x00203100, 0xFFFFFF00)),
        ("(1000,xxx3)", ("(1000,xxx3)", 0x10000003, 0xFFFF000F)),
        ("(7fe0,0010)", ("(7FE0,0010)", 0x7FE00010, 0xFFFFFFFF)),
    ],
)
def test_tags(text: str, expected: tuple[str, int, int]) -> None:
    assert parse_tag(text) == expected


@pytest.mark.parametrize("text", ["0010,0010", "(0010,001)", "(GGGG,0010)", ""])
def test_bad_tags(text: str) -> None:
    assert parse_tag(text) is None


@pytest.mark.parametrize(
    ("text", "alternatives"),
    [
        ("1", ((1, 1, 1),)),
        ("1-n", ((1, None, 1),)),
        ("2-2n", ((2, None, 2),)),
        ("3-3n", ((3, None, 3),)),
        ("1-3", ((1, 3, 1),)),
        ("1-n or 1", ((1, None, 1), (1, 1, 1))),
    ],
)
def test_vm(text: str, alternatives: tuple[tuple[int, int | None, int], ...]) -> None:
    vm = parse_vm(text)
    assert vm is not None and vm.alternatives == alternatives and vm.text == text


@pytest.mark.parametrize("text", ["n", "1-", "one", "1-2-3"])
def test_bad_vm(text: str) -> None:
    assert parse_vm(text) is None
