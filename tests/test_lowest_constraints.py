"""constraints/lowest.txt pins every runtime dependency (and the AWS CLI the tests drive) at the
floor pyproject.toml declares, so that .ci/run's lower-bound check tests what a user with the
oldest allowed packages gets."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_FLOOR = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(\[[^\]]*\])?>=(?P<version>[0-9][0-9A-Za-z.]*)$")


def _floors(requirements: list[str]) -> dict[str, str]:
    found = {}
    for req in requirements:
        m = _FLOOR.match(req.replace(" ", ""))
        assert m is not None, f"{req!r} has no lower bound"
        found[m["name"].lower()] = m["version"]
    return found


def _same(a: str, b: str) -> bool:
    def parts(v: str) -> list[int]:
        nums = [int(x) for x in v.split(".")]
        while nums and nums[-1] == 0:
            nums.pop()
        return nums

    return parts(a) == parts(b)


def test_the_lowest_constraints_are_the_declared_floors() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = _floors(project["dependencies"])
    cli = _floors([r for r in project["optional-dependencies"]["test"] if r.startswith("awscli")])
    pins = {}
    for line in (ROOT / "constraints" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    assert set(pins) == set(runtime) | set(cli)
    for name, floor in {**runtime, **cli}.items():
        assert _same(pins[name], floor), (name, pins[name], floor)
