"""PS3.7 command elements of group 0000."""

from __future__ import annotations

from tests.conftest import ps7


def test_command_tables() -> None:
    commands = ps7("2020c")
    assert dict(commands.table_counts) == {"table_E.1-1": 24, "table_E.2-1": 22}
    by_keyword = {e.keyword: e for e in commands.elements}
    status = by_keyword["Status"]
    assert (status.tag, status.vrs, status.retired) == ("(0000,0900)", ("US",), False)
    assert by_keyword["CommandField"].description.startswith("This field distinguishes")
    assert by_keyword["Priority"].value == 0x00000700
    assert all(e.retired for e in commands.elements if e.table == "table_E.2-1")
    assert all(e.value >> 16 == 0 for e in commands.elements)
