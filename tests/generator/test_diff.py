"""dicom-codegen diff: known changes of the standard's XML, empty self-diffs, the Python API
impact checked against what the renderer really emits, and the HTML in headless Chromium."""

from __future__ import annotations

import ast
import dataclasses
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from dicom_codegen import parse_ps3, passes, render
from dicom_codegen.diff import Change, EditionDiff, diff_models
from dicom_codegen.model import AttributeTable, Model
from tests.conftest import mirror_file, ps4, ps4_raw, ps6, ps7

PS6 = ("2013", "2014a", "2015b")
PS4 = ("2013", "2015b", "2016c", "2017e", "2019a", "2020c")
CHROMIUM = "/usr/bin/chromium"


@cache
def dictionary_model(edition: str) -> Model:
    return passes.run(Model(dictionary=ps6(edition)))


@cache
def objects_model(edition: str = "2016c") -> Model:
    return passes.run(Model(dictionary=ps6("2015b"), objects=parse_ps3.parse(mirror_file(edition, 3))))


@cache
def ps6_diff(old: str, new: str) -> EditionDiff:
    return diff_models(dictionary_model(old), dictionary_model(new))


@cache
def ps4_diff(old: str, new: str) -> EditionDiff:
    return diff_models(ps4(old), ps4(new))  # both resolved with PS3.6 2015b: only PS3.4 differs


def _find(diff: EditionDiff, kind: str, change: str, key: str) -> Change:
    found = [c for c in diff.changes if (c.kind, c.change, c.key) == (kind, change, key)]
    assert len(found) == 1, (kind, change, key, [c for c in diff.changes if c.key == key])
    return found[0]


@pytest.mark.parametrize(("old", "new"), list(zip(PS6, PS6[1:])))
def test_every_consecutive_ps3_6_pair_diffs(old: str, new: str) -> None:
    diff = ps6_diff(old, new)
    assert diff.changes and diff.counts()["data element"]["added"] > 50
    assert (diff.old, diff.new) == (f"PS3.6 {old}", f"PS3.6 {new}")


@pytest.mark.parametrize(("old", "new"), list(zip(PS4, PS4[1:])))
def test_every_consecutive_ps3_4_pair_diffs(old: str, new: str) -> None:
    diff = ps4_diff(old, new)
    assert diff.counts()["SOP class"], diff.counts()


def test_known_ps3_6_changes() -> None:
    newer = ps6_diff("2014a", "2015b")
    retrieve_url = _find(newer, "data element", "VR changed", "(0008,1190)")
    assert (retrieve_url.name, retrieve_url.old, retrieve_url.new) == ("Retrieve URL", "UT", "UR")
    assert retrieve_url.link == "https://dicom.nema.org/medical/dicom/2015b/output/html/part06.html#table_6-1"
    assert _find(newer, "data element", "un-retired", "(0040,4005)").name == "Scheduled Procedure Step Start DateTime"
    assert _find(newer, "data element", "added", "(0008,0119)").new == "LongCodeValue"
    renamed = _find(newer, "UID", "keyword changed", "1.2.840.10008.5.1.4.34.5")
    assert (renamed.old, renamed.new) == ("UnifiedWorklistAndProcedureStepInstance", "UPSGlobalSubscriptionInstance")
    older = ps6_diff("2013", "2014a")
    assert _find(older, "data element", "added", "(0002,0017)").name == "Sending Application Entity Title"


def test_known_ps3_4_changes() -> None:
    latest = ps4_diff("2019a", "2020c")
    added = _find(latest, "SOP class", "added", "1.2.840.10008.5.1.4.1.1.104.4")
    assert added.name == "Encapsulated OBJ Storage" and added.new == "EncapsulatedOBJStorage"
    services = ps4("2020c").services
    assert services is not None
    assert [s.service_class for s in services.sop_classes if s.uid == added.key] == ["Storage Service Class"]
    linkage = _find(ps4_diff("2016c", "2017e"), "SOP class", "IOD changed", "1.2.840.10008.5.1.4.1.1.7")
    assert (linkage.name, linkage.old, linkage.new) == ("Secondary Capture Image Storage", "sect_A.8", "sect_A.8.1")
    moved = _find(ps4_diff("2015b", "2016c"), "SOP class", "service class changed", "1.2.840.10008.5.1.4.38.1")
    assert (moved.old, moved.new) == ("Media Storage Service Class", "Non-Patient Object Storage Service Class")


@pytest.mark.parametrize(
    "model",
    [*(f"ps6-{e}" for e in PS6), *(f"ps4-{e}" for e in PS4), "ps3-2016c", "ps7-2020c"],
)
def test_an_edition_diffed_with_itself_is_empty(model: str) -> None:
    part, edition = model.split("-")
    builders: dict[str, Callable[[], Model]] = {
        "ps6": lambda: dictionary_model(edition),
        "ps4": lambda: ps4(edition),
        "ps3": lambda: objects_model(edition),
        "ps7": lambda: passes.run(Model(commands=ps7(edition))),
    }
    build = builders[part]
    diff = diff_models(build(), build())
    assert diff.empty and diff.changes == () and diff.api == ()
    assert diff.to_text().endswith("no differences\n")


def _names(source: str) -> dict[str, set[str]]:
    """Module-level constants, and each class's annotated fields, of a rendered module."""
    tree = ast.parse(source)
    found: dict[str, set[str]] = {"": set()}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[""].add(node.target.id)
        elif isinstance(node, ast.ClassDef):
            found[node.name] = {n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and not n.target.id.isupper()}
    return found


def _rendered(model: Model, module: str) -> dict[str, set[str]]:
    env = render.environment()
    common = {"version": "test", "sources": model.sources}
    if module == "tags":
        text = env.get_template("tags.py.j2").render(**common, elements=passes.constant_elements(model), source_of={e.table: model.sources[0] for e in model.all_elements()})
    elif module == "uids":
        assert model.dictionary is not None
        text = env.get_template("uids.py.j2").render(**common, dictionary=model.dictionary, uids=model.dictionary.uids, derived=True)
    else:
        assert model.services is not None
        text = env.get_template("queries.py.j2").render(**common, registry=model.services, classes=model.services.query_classes, citation="")
    return _names(text)


@pytest.mark.parametrize(("old", "new", "module"), [("2014a", "2015b", "tags"), ("2014a", "2015b", "uids"), ("2013", "2014a", "tags"), ("2015b", "2016c", "queries"), ("2016c", "2017e", "queries")])
def test_predicted_api_changes_are_what_the_renderer_emits(old: str, new: str, module: str) -> None:
    """The symbols the report says disappear are exactly those missing from the new output."""
    a, b = (dictionary_model(old), dictionary_model(new)) if module != "queries" else (ps4(old), ps4(new))
    diff = diff_models(a, b)
    before, after = _rendered(a, module), _rendered(b, module)
    actual: set[str] = set()
    for owner, names in before.items():
        prefix = f"dicom_model.{module}." + (f"{owner}." if owner else "")
        actual |= {prefix + n for n in names - after.get(owner, set())}
        if owner and owner not in after:
            actual.add(f"dicom_model.{module}.{owner}")
    predicted = {api.symbol for api in diff.api if api.breaks and api.symbol.startswith(f"dicom_model.{module}.")}
    assert predicted == actual


def _changed_table(model: Model, title: str, edit: object) -> Model:
    assert model.objects is not None
    tables = tuple(edit(t) if t.title == title else t for t in model.objects.tables)  # type: ignore[operator]
    raw = dataclasses.replace(model.objects, tables=tables, classes=())
    return passes.run(Model(dictionary=model.dictionary, objects=raw))


def test_attribute_changes_and_their_api_impact_in_ps3_3() -> None:
    """PS3.3 exists here in one edition only: the next edition is made by editing rows the way
    an edition changes them (a Type 3 attribute becomes Type 1, an enumerated value goes)."""
    base = objects_model()

    def edit(table: AttributeTable) -> AttributeTable:
        rows = []
        for row in table.rows:
            if row.tag == "(0010,0040)":  # Patient's Sex: enumerated M, F, O
                row = dataclasses.replace(row, enumerated_values=("M", "F"))
            if row.tag == "(0010,2160)" and row.depth == 0:  # Ethnic Group: Type 3
                assert row.type == "3"
                row = dataclasses.replace(row, type="1")
            rows.append(row)
        return dataclasses.replace(table, rows=tuple(rows))

    changed = _changed_table(base, "Patient Module", edit)
    diff = diff_models(base, changed)
    kinds = {(c.change, c.key) for c in diff.changes}
    assert ("enumerated values changed", "Patient Module (0010,0040)") in kinds
    api = {(a.symbol, a.effect) for a in diff.api if a.breaks}
    assert ("Type changed", "Patient Module (0010,2160)") in kinds
    assert ("dicom_model.modules.patient_module.PatientModule.PatientSex", "narrowed") in api
    assert ("dicom_model.modules.patient_module.PatientModule.EthnicGroup", "now required") in api
    assert ("dicom_model.iods.ct_image.CTImage.EthnicGroup", "now required") in api  # the IODs that include the module
    assert all(a.symbol.endswith(("PatientSex", "EthnicGroup")) for a in diff.api)


@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, EditionDiff]:
    folder = tmp_path_factory.mktemp("diff")
    diff = ps6_diff("2014a", "2015b")
    page = folder / "diff.html"
    page.write_text(diff.to_html(), encoding="utf-8")
    return page, diff


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless chromium with its profile in ``profile`` (a test's temporary folder)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: .ci/install installs Debian's chromium")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}"]
    return subprocess.run([CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)


def test_the_html_report_renders_in_headless_chromium(html_report: tuple[Path, EditionDiff], tmp_path: Path) -> None:
    page, diff = html_report
    dom = _chromium(tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert "<h1>DICOM PS3.6 2014a → PS3.6 2015b</h1>" in dom
    rows = re.findall(r'<tr data-kind="([^"]+)" data-change="([^"]+)"><td><a href="#[^"]+">[^<]+</a></td><td>[^<]+</td><td class="n">(\d+)</td></tr>', dom)
    assert {(k, c): int(n) for k, c, n in rows} == {(k, c): n for k, by in diff.counts().items() for c, n in by.items()}
    assert dom.count('<tr class="change"') == len(diff.changes)
    assert 'href="https://dicom.nema.org/medical/dicom/2015b/output/html/part06.html#table_6-1"' in dom
    screenshot = tmp_path / "diff.png"
    _chromium(tmp_path / "profile", "--window-size=1280,1400", f"--screenshot={screenshot}", page.as_uri())
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a rendered page, not a blank one


def test_the_command_line(tmp_path: Path) -> None:
    standard = tmp_path / "standard_xml"
    for edition in ("2014a", "2015b"):
        (standard / edition).mkdir(parents=True)
        (standard / edition / "part06.xml").symlink_to(mirror_file(edition, 6).resolve())

    def codegen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dicom_codegen", *args, "--standard", str(standard), "-q"], capture_output=True, text=True, timeout=300)

    text = codegen("diff", "ps6=2014a", "ps6=2015b")
    assert text.returncode == 0 and "VR changed                 (0008,1190)  Retrieve URL: UT -> UR" in text.stdout
    data = json.loads(codegen("diff", "2014a", "2015b", "--format", "json").stdout)
    assert data["counts"]["data element"]["VR changed"] == 4 and data["old"] == "PS3.6 2014a"
    bad = codegen("diff", "2014a", "2099z")
    assert bad.returncode == 2 and "no parts of edition '2099z'" in bad.stderr
    assert ps4_raw("2015b") is not None  # (the cached PS3.4 models above came from the mirror too)


def test_a_part_on_one_side_only_is_not_compared() -> None:
    """README's example: 2019a has no PS3.7, 2020c has: the note says PS3.7 is not compared,
    so its command elements (group 0000) are no "data element added"; with PS3.7 on both
    sides and PS3.6 on one only, the dictionary's elements are none either."""
    old = ps4("2019a")
    new = passes.run(Model(dictionary=ps6("2015b"), services=ps4_raw("2020c"), commands=ps7("2020c")))
    diff = diff_models(old, new)
    assert diff.notes == ("PS3.7 is on one side only; its differences are not compared",)
    assert [c for c in diff.changes if c.kind == "data element"] == []
    assert diff.counts()["SOP class"]["added"] == ps4_diff("2019a", "2020c").counts()["SOP class"]["added"]
    with_commands = passes.run(Model(commands=ps7("2020c")))
    both = diff_models(with_commands, passes.run(Model(dictionary=ps6("2015b"), commands=ps7("2020c"))))
    assert both.notes == ("PS3.6 is on one side only; its differences are not compared",)
    assert [c for c in both.changes if c.kind == "data element"] == []
    # the same part on both sides is compared: PS3.7 2020c against a copy without one command element
    commands = ps7("2020c")
    fewer = dataclasses.replace(commands, elements=tuple(e for e in commands.elements if e.tag != "(0000,0000)"))
    dropped = diff_models(passes.run(Model(commands=fewer)), passes.run(Model(commands=commands)))
    assert [(c.change, c.key) for c in dropped.changes if c.kind == "data element"] == [("added", "(0000,0000)")]


def test_the_python_api_part_leaves_out_a_part_on_one_side_only() -> None:
    """The "Python API" part listed PS3.7's command element constants (dicom_model.tags.CommandField
    ...) as added when PS3.7 was on one side only (README's example: 46 of them), and with
    PS3.6 on the other side only every dictionary constant as removed (3,900 "breaking" for
    2015b -> 2020c), though the notes said neither part was compared."""
    old = ps4("2019a")
    new = passes.run(Model(dictionary=ps6("2015b"), services=ps4_raw("2020c"), commands=ps7("2020c")))
    diff = diff_models(old, new)
    assert [a.symbol for a in diff.api if a.symbol.startswith("dicom_model.tags.")] == []
    assert {a.symbol for a in diff.api} == {a.symbol for a in ps4_diff("2019a", "2020c").api}  # PS3.4's alone
    assert "dicom_model.sop_classes.CArmPhotonElectronRadiationRecordStorage" in {a.symbol for a in diff.api}
    apart = diff_models(dictionary_model("2015b"), passes.run(Model(services=ps4_raw("2020c"), commands=ps7("2020c"))))
    assert len(apart.notes) == 3 and apart.api == ()
    # PS3.7 on both sides is compared: its constants are in the API part
    commands = ps7("2020c")
    fewer = dataclasses.replace(commands, elements=tuple(e for e in commands.elements if e.tag != "(0000,0000)"))
    base = ps6("2015b")
    dropped = diff_models(passes.run(Model(dictionary=base, commands=fewer)), passes.run(Model(dictionary=base, commands=commands)))
    assert [(a.symbol, a.effect, a.detail) for a in dropped.api] == [("dicom_model.tags.CommandGroupLength", "added", "(0000,0000)")]
