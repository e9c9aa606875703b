"""Every bad value of a configuration or of ``dicom-net scp``'s limits is one clear error
(issue #20 A): TOML names the file, the table and key, and the reason; argparse refuses
an option out of range with its range."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dicom_runtime.net import cli_args, config, pdu
from dicom_runtime.net.cli import main

GOOD = '[[ae]]\ntitle = "ARCHIVE"\nport = 11112\n'


def _conformance(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    file = tmp_path / "t.toml"
    file.write_text(text)
    status = main(["conformance", str(file)])
    captured = capsys.readouterr()
    return status, captured.err, file


def test_an_unknown_timeout_names_the_file_the_key_and_the_right_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, error, file = _conformance(tmp_path, GOOD + "[ae.timeouts]\nidle = 20\n", capsys)
    assert status == 1
    assert "Traceback" not in error and "TypeError" not in error
    assert f"{file}: ae[0].timeouts: unknown setting(s) idle" in error
    assert "did you mean network?" in error


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('max_pdu = "abc"', "ae[0].max_pdu = 'abc': expected an integer"),
        ("max_pdu = 10", "ae[0].max_pdu = 10: out of range (must be from 4096 to 67108864)"),
        ("max_pdu = 0", "ae[0].max_pdu = 0: out of range"),
        ("max_associations = 0", "ae[0].max_associations = 0: out of range (must be at least 1)"),
        ("spill_after = -5", "ae[0].spill_after = -5: out of range (must be at least 0)"),
        ("spill_budget = 1.5", "ae[0].spill_budget = 1.5: expected an integer"),
        ("max_contexts = 129", "ae[0].max_contexts = 129: out of range (must be from 1 to 128)"),
        ("max_message_size = true", "ae[0].max_message_size = True: expected an integer"),
        ("durable = 1", "ae[0].durable = 1: expected true or false"),
        ("sop_classes = \"Verification\"", "ae[0].sop_classes = 'Verification': expected a list of strings"),
        ("host = 5", "ae[0].host = 5: expected a string"),
        ("max_pdu = 67108865", "ae[0].max_pdu = 67108865: out of range (must be from 4096 to 67108864)"),
        ("timeouts = 5", "ae[0].timeouts = 5: expected a table"),
        ("timeouts = { network = \"soon\" }", "ae[0].timeouts.network = 'soon': expected a number of seconds"),
        ("timeouts = { artim = 0 }", "ae[0].timeouts.artim = 0: out of range (must be more than 0 seconds, finite)"),
        ("tls = { certificate = \"c.pem\", key = \"k.pem\", ca = \"x\" }", "ae[0].tls: unknown setting(s) ca"),
        ("move_destinations = { V = \"host\" }", "ae[0].move_destinations.V = 'host': expected 'host:port'"),
    ],
)
def test_a_bad_value_names_the_file_the_key_and_the_reason(
    line: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, error, file = _conformance(tmp_path, GOOD + line + "\n", capsys)
    assert status == 1
    assert f"dicom-net conformance: {file}: {message}" in error, error
    assert error.count("\n") == 1  # one line, no traceback


def test_unknown_tables_and_implementation_keys_are_named(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"^<config>: unknown setting\(s\) aes; known: implementation, ae$"):
        config.from_mapping({"aes": []})
    with pytest.raises(config.ConfigError, match=r"^<config>: implementation: unknown setting\(s\) vendor"):
        config.from_mapping({"implementation": {"vendor": "x"}, "ae": [{"title": "A", "port": 1}]})
    with pytest.raises(config.ConfigError, match=r"^<config>: ae\[0\].port = 70000: out of range \(must be from 0 to 65535\)$"):
        config.from_mapping({"ae": [{"title": "A", "port": 70000}]})
    with pytest.raises(config.ConfigError, match=r"^<config>: implementation.version = 1.0: expected a string"):
        config.from_mapping({"implementation": {"version": 1.0}, "ae": [{"title": "A", "port": 1}]})


def test_the_values_at_the_bounds_are_taken(tmp_path: Path) -> None:
    entity = config.from_mapping({"ae": [{
        "title": "A", "port": 0, "max_pdu": 4096, "max_associations": 1, "spill_after": 0, "spill_budget": 0,
        "message_budget": 0, "max_contexts": 128, "timeouts": {"network": 20, "artim": 0.5},
    }]}).entities[0]
    assert (entity.max_pdu, entity.max_associations, entity.spill_after, entity.max_contexts) == (4096, 1, 0, 128)
    assert (entity.timeouts.network, entity.timeouts.artim, entity.timeouts.dimse) == (20.0, 0.5, 60.0)
    assert config.from_mapping({"ae": [{"title": "A", "port": 1, "max_pdu": pdu.MAX_PDU_LENGTH}]}).entities[0].max_pdu == pdu.MAX_PDU_LENGTH


def test_the_help_s_range_is_the_configuration_s() -> None:
    assert (cli_args.MIN_PDU, cli_args.MAX_PDU) == (config.MIN_PDU, config.MAX_PDU) == (4096, pdu.MAX_PDU_LENGTH)


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--max-associations", "0", "0 is out of range (must be at least 1)"),
        ("--spill-after", "-5", "-5 is out of range (must be at least 0)"),
        ("--spill-budget", "-1", "-1 is out of range (must be at least 0)"),
        ("--message-budget", "-1", "-1 is out of range (must be at least 0)"),
        ("--max-message-size", "0", "0 is out of range (must be at least 1)"),
        ("--max-pdu", "10", "10 is out of range (must be from 4096 to 67108864)"),
        ("--max-pdu", "0", "0 is out of range (must be from 4096 to 67108864)"),
        ("--max-pdu", "abc", "'abc' is not an integer"),
        ("--idle-timeout", "0", "0 is out of range (must be more than 0 seconds, finite)"),
        ("--artim-timeout", "nan", "nan is out of range"),
        ("--port", "65536", "65536 is out of range (must be from 0 to 65535)"),
    ],
)
def test_scp_options_out_of_range_are_refused_by_argparse(
    option: str, value: str, reason: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["scp", "--port", "1", "--out", str(tmp_path), option, value])
    assert exit.value.code == 2
    error = capsys.readouterr().err
    assert f"dicom-net scp: error: argument {option}: {reason}" in error
    assert list(tmp_path.iterdir()) == []


def test_scp_help_names_each_option_s_toml_key(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["scp", "--help"])
    text = re.sub(r"\s+", " ", capsys.readouterr().out)
    for option, key in (
        ("--max-associations", "max_associations"), ("--max-pdu", "max_pdu"), ("--max-message-size", "max_message_size"),
        ("--message-budget", "message_budget"), ("--spill-after", "spill_after"), ("--spill-budget", "spill_budget"),
        ("--spill-dir", "spill_dir"), ("--idle-timeout", "[ae.timeouts] network"), ("--artim-timeout", "[ae.timeouts] artim"),
    ):
        help_text = text.split(f" {option} ", 1)[1].split(" --", 1)[0]
        assert f"(TOML: {key})" in help_text, (option, help_text)


def test_readme_s_option_to_key_list_names_real_options_and_keys() -> None:
    readme = re.sub(r"\s+", " ", (Path(__file__).resolve().parents[3] / "README.md").read_text())
    listing = readme.split("Each `dicom-net scp` option and its key in an `[[ae]]` table", 1)[1].split(" An unknown key", 1)[0]
    pairs = re.findall(r"`(--[a-z-]+)[^`]*` `(\[ae\.\w+\] )?(\w+)", listing)
    assert len(pairs) >= 17, pairs
    import argparse

    sub = next(a for a in cli_args.build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    scp = sub.choices["scp"]
    scp.format_help()  # a LazyParser: its arguments are added now
    options = {o for action in scp._actions for o in action.option_strings}
    for option, table, key in pairs:
        assert option in options, option
        known = {"[ae.timeouts] ": config.TIMEOUT_KEYS, "[ae.tls] ": config.TLS_KEYS}.get(table, config.AE_KEYS)
        assert key in known, (option, table, key)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'transfer_syntaxes = ["1.2.3"]',
            "ae[0].transfer_syntaxes: '1.2.3' is not a transfer syntax of the standard (PS3.6 Table A-1; "
            "theirs are 1.2.840.10008.1.2.*)",
        ),
        (
            'transfer_syntaxes = ["ExplicitVRLittleEndian", "CTImageStorage"]',
            "ae[0].transfer_syntaxes: 'CTImageStorage' is not a transfer syntax but a SOP Class (CT Image Storage)",
        ),
        (
            'sop_classes = ["Verification", "1.2.840.10008.1.2.1"]',
            "ae[0].sop_classes: '1.2.840.10008.1.2.1' is a transfer syntax (Explicit VR Little Endian), not a SOP class",
        ),
    ],
)
def test_a_uid_of_the_wrong_kind_is_refused(line: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the statement claimed "1.2.3 (1.2.3)" as a transfer syntax, and the server accepted it
    status, error, file = _conformance(tmp_path, GOOD + line + "\n", capsys)
    assert status == 1
    assert f"dicom-net conformance: {file}: {message}" in error, error
    assert error.count("\n") == 1


def test_a_later_editions_transfer_syntax_is_taken() -> None:
    # HTJ2K Lossless is newer than PS3.6 2015b's Table A-1, and under the standard's root
    entity = config.from_mapping(
        {"ae": [{"title": "A", "port": 1, "transfer_syntaxes": ["1.2.840.10008.1.2.4.201", "JPEGBaselineProcess1"]}]}
    ).entities[0]
    assert entity.transfer_syntaxes == ("1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.50")
