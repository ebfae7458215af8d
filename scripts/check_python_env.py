"""Tell whether this interpreter already has what ``scripts/install`` would pip-install.

Usage: ``python -P scripts/check_python_env.py [REQUIREMENT ...]``. Exits 0 when

* ``dubbopy`` is installed in editable mode from *this* checkout (not from another clone), with the
  version and entry points that ``pyproject.toml`` declares now (an edited ``pyproject.toml`` needs a
  reinstall for new entry points to be seen), and
* every requirement of ``[project] dependencies``, of the ``dev`` extra and of the command line is
  satisfied;

else prints what is missing, one line each, and exits 1. Run it with ``-P`` so that a
``dubbopy.egg-info`` in the current directory does not stand in for the installed distribution.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlparse

try:
    from packaging.requirements import Requirement
except ImportError:  # a fresh interpreter may lack packaging; pip always carries a copy
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]


def declared_entry_points(project: dict[str, object]) -> set[tuple[str, str, str]]:
    """``(group, name, value)`` of every script and entry point in ``[project]``."""
    found = set()
    scripts = project.get("scripts", {})
    assert isinstance(scripts, dict)
    found |= {("console_scripts", name, value) for name, value in scripts.items()}
    groups = project.get("entry-points", {})
    assert isinstance(groups, dict)
    for group, points in groups.items():
        found |= {(group, name, value) for name, value in points.items()}
    return found


def check_dubbopy(project: dict[str, object]) -> list[str]:
    """Problems with the installed dubbopy distribution, if any."""
    spec = importlib.util.find_spec("dubbopy")
    if spec is None or spec.origin is None:
        return ["dubbopy is not installed"]
    origin = Path(spec.origin).resolve()
    if origin != ROOT / "dubbopy" / "__init__.py":
        return [f"dubbopy imports from {origin.parent}, not from this checkout {ROOT}"]
    try:
        dist = importlib.metadata.distribution("dubbopy")
    except importlib.metadata.PackageNotFoundError:
        return ["dubbopy is not installed (it is only on sys.path)"]
    direct_url = json.loads(dist.read_text("direct_url.json") or "{}")
    location = Path(unquote(urlparse(direct_url.get("url", "")).path)).resolve()
    problems = []
    if not direct_url.get("dir_info", {}).get("editable") or location != ROOT:
        problems.append(f"dubbopy is not an editable install of {ROOT}")
    if dist.version != project["version"]:
        problems.append(f"installed dubbopy is {dist.version}, pyproject.toml says {project['version']}")
    installed = {(ep.group, ep.name, ep.value) for ep in dist.entry_points}
    if installed != declared_entry_points(project):
        problems.append("dubbopy's entry points differ from pyproject.toml")
    return problems


def check_requirement(text: str) -> str | None:
    """What is wrong with requirement ``text`` in this interpreter, or ``None``."""
    requirement = Requirement(text)
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        return None
    try:
        version = importlib.metadata.version(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        return f"{requirement.name} is not installed (wanted: {text})"
    if not requirement.specifier.contains(version, prereleases=True):
        return f"{requirement.name} {version} does not satisfy {text}"
    return None


def main() -> int:
    """Print the problems found; exit status 1 if there are any."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project.get("dependencies", []), *project["optional-dependencies"]["dev"], *sys.argv[1:]]
    problems = check_dubbopy(project)
    problems += [problem for text in wanted if (problem := check_requirement(text)) is not None]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
