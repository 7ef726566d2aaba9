"""Dependencies: uv.lock matches pyproject.toml and is what `make install` installs;
db/sqlite_inline.py refuses, with a clear message, an aiosqlite without the private parts it
uses."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import aiosqlite
import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from app.settings import PROJECT_DIR
from db import sqlite_inline

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = tomllib.loads((PROJECT_DIR / "uv.lock").read_text(encoding="utf-8"))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def marker_text(marker: str) -> str:
    return str(Marker(marker)) if marker else ""


def project_requirements() -> set[tuple]:
    """pyproject.toml's requirements as (name, extras, specifier, marker, extra of ours)."""
    project = PYPROJECT["project"]
    groups = [(None, project["dependencies"]), *project["optional-dependencies"].items()]
    out = set()
    for extra, texts in groups:
        for text in texts:
            req = Requirement(text)
            marker = marker_text(str(req.marker or ""))
            out.add(
                (canonical(req.name), tuple(sorted(req.extras)), str(req.specifier), marker, extra)
            )
    return out


def locked_requirements() -> set[tuple]:
    """The requirements uv.lock was resolved for, in the same shape."""
    (root,) = [p for p in LOCK["package"] if p["name"] == "cau-noi"]
    out = set()
    for entry in root["metadata"]["requires-dist"]:
        marker = entry.get("marker", "")
        extra = re.search(r"extra == '([^']*)'", marker)
        rest = re.sub(r"(\s*and\s*)?extra == '[^']*'(\s*and\s*)?", "", marker).strip()
        out.add(
            (
                canonical(entry["name"]),
                tuple(sorted(entry.get("extras", []))),
                str(SpecifierSet(entry.get("specifier", ""))),
                marker_text(rest),
                extra.group(1) if extra else None,
            )
        )
    return out


def test_aiosqlite_private_parts_are_checked_at_import_and_present():
    sqlite_inline.check_aiosqlite()  # what the import ran; passes on the installed aiosqlite
    assert (
        Version(version("aiosqlite")).release[:2]
        == Version(sqlite_inline.TESTED_AIOSQLITE).release[:2]
    )


def test_a_missing_private_attribute_fails_with_a_clear_message():
    class WithoutQueue(aiosqlite.Connection):
        def __init__(self, connector, iter_chunk_size):  # type: ignore[no-untyped-def]
            super().__init__(connector, iter_chunk_size)
            del self._tx

    with pytest.raises(ImportError) as error:
        sqlite_inline.check_aiosqlite(WithoutQueue)
    message = str(error.value)
    assert "_tx" in message and "tested with aiosqlite 0.22.x" in message
    assert "make install" in message


def test_a_changed_private_method_or_constructor_is_named():
    class Reworked:
        def __init__(self, connector):  # type: ignore[no-untyped-def]
            self._tx = None

        def _execute(self, fn):  # type: ignore[no-untyped-def]
            return fn()

    with pytest.raises(ImportError) as error:
        sqlite_inline.check_aiosqlite(Reworked)
    message = str(error.value)
    assert "_connect" in message and "_execute" in message and "__init__" in message


def test_aiosqlite_is_pinned_to_the_tested_minor_version():
    pins = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    (pin,) = [r for r in pins if r.name == "aiosqlite"]
    tested = Version(sqlite_inline.TESTED_AIOSQLITE)
    assert pin.specifier.contains(f"{tested}.0") and pin.specifier.contains(version("aiosqlite"))
    assert not pin.specifier.contains(f"{tested.major}.{tested.minor + 1}.0")
    assert not pin.specifier.contains(f"{tested.major}.{tested.minor - 1}.99")


def test_the_lock_was_made_from_this_pyproject():
    """`make lock` was run after the last change of the dependencies (`make install` refuses
    such a lock too, with --locked; this says so in a plain test run)."""
    assert locked_requirements() == project_requirements(), "dependencies changed: run make lock"
    assert LOCK["requires-python"] == PYPROJECT["project"]["requires-python"]


def test_every_locked_package_for_linux_python_311_has_an_exact_version_and_hashes():
    for package in LOCK["package"]:
        if package["name"] == "cau-noi":
            continue
        assert Version(package["version"])  # an exact version
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files and all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_install_comes_from_the_lock_and_is_redone_when_it_changes():
    makefile = (PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    stamp_rule = re.search(r"^\$\(STAMP\):(.*)$", makefile, re.M)
    assert stamp_rule and "uv.lock" in stamp_rule.group(1).split("|")[0]
    assert "sync --locked" in makefile
    assert re.search(r"^lock:", makefile, re.M)
