"""Extension registries: registration, lookup errors, lazy targets and entry points."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from dubbopy import extension
from dubbopy.errors import ConfigError
from dubbopy.extension import ExtensionRegistry


class Part:
    """A stand-in for a pluggable part."""


class OtherPart(Part):
    pass


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def test_register_and_get_builds_a_new_instance_each_time() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")
    reg.register("plain", Part)
    first, second = reg.get("plain"), reg.get("plain")
    assert type(first) is Part
    assert first is not second
    assert "plain" in reg
    assert "other" not in reg


def test_register_as_class_decorator() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")

    @reg.register("fancy")
    class Fancy(Part):
        pass

    assert isinstance(reg.get("fancy"), Fancy)
    assert reg.names() == ("fancy",)


def test_duplicate_name_needs_replace() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")
    reg.register("x", Part)
    with pytest.raises(ConfigError, match="'x' is already registered"):
        reg.register("x", OtherPart)
    reg.register("x", OtherPart, replace=True)
    assert type(reg.get("x")) is OtherPart
    reg.unregister("x")
    assert "x" not in reg


def test_unknown_name_lists_known_ones() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("loadbalancer")
    reg.register("random", Part)
    reg.register("roundrobin", Part)
    with pytest.raises(ConfigError) as info:
        reg.get("randon")
    message = str(info.value)
    assert "unknown loadbalancer 'randon'" in message
    assert "known: random, roundrobin" in message
    assert "dubbopy.loadbalancer" in message


@pytest.mark.parametrize("name", ["", "-echo", "a,b", "with space"])
def test_names_that_would_break_filter_lists_are_rejected(name: str) -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")
    with pytest.raises(ConfigError, match="name"):
        reg.register(name, Part)


def test_non_callable_factory_is_rejected() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")
    with pytest.raises(ConfigError, match="not callable"):
        reg.register("x", Part())  # type: ignore[call-overload]


def test_base_class_is_enforced() -> None:
    reg: ExtensionRegistry[OtherPart] = ExtensionRegistry("part", base=OtherPart)
    reg.register("wrong", Part)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="built a Part, not a OtherPart"):
        reg.get("wrong")


def test_failing_factory_is_reported_with_its_cause() -> None:
    reg: ExtensionRegistry[Part] = ExtensionRegistry("part")

    def explode() -> Part:
        raise RuntimeError("no config")

    reg.register("bad", explode)
    with pytest.raises(ConfigError, match="part 'bad' could not be created: RuntimeError: no config") as info:
        reg.get("bad")
    assert isinstance(info.value.__cause__, RuntimeError)


def _write_module(root: Path, body: str) -> str:
    name = _unique("dubbopy_plugin")
    (root / f"{name}.py").write_text(body)
    return name


def test_register_lazy_imports_on_first_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    module = _write_module(tmp_path, "class Thing:\n    pass\n")
    reg: ExtensionRegistry[object] = ExtensionRegistry("part")
    reg.register_lazy("thing", f"{module}:Thing")
    assert module not in sys.modules
    assert type(reg.get("thing")).__name__ == "Thing"
    assert module in sys.modules


def test_register_lazy_reports_a_missing_module_only_when_used() -> None:
    reg: ExtensionRegistry[object] = ExtensionRegistry("part")
    reg.register_lazy("ghost", "no_such_module_dubbopy_test:Ghost")
    reg.register("real", object)
    assert reg.get("real") is not None
    with pytest.raises(ConfigError, match="'ghost' could not be loaded from 'no_such_module_dubbopy_test:Ghost'"):
        reg.get("ghost")


def test_register_lazy_checks_the_target_shape() -> None:
    reg: ExtensionRegistry[object] = ExtensionRegistry("part")
    with pytest.raises(ConfigError, match="not 'module:attribute'"):
        reg.register_lazy("x", "just.a.module")


def _install_distribution(root: Path, group: str, entries: dict[str, str]) -> str:
    dist = _unique("dubbopy_test_dist")
    info = root / f"{dist}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = [f"[{group}]"] + [f"{name} = {target}" for name, target in entries.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    return dist


def test_entry_points_are_found_and_broken_ones_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = _unique("kind")
    group = f"dubbopy.{kind}"
    good = _write_module(tmp_path, "class Good:\n    pass\n")
    broken = _write_module(tmp_path, "raise ImportError('needs libfoo')\n")
    dist = _install_distribution(
        tmp_path,
        group,
        {"good": f"{good}:Good", "broken": f"{broken}:Thing", "missing": f"{good}:Nope"},
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    reg: ExtensionRegistry[object] = ExtensionRegistry(kind)
    assert reg.group == group
    assert reg.names() == ("broken", "good", "missing")
    assert type(reg.get("good")).__name__ == "Good"

    with pytest.raises(ConfigError) as info:
        reg.get("broken")
    message = str(info.value)
    assert f"entry point broken = '{broken}:Thing'" in message
    assert dist in message
    assert "needs libfoo" in message

    with pytest.raises(ConfigError, match="entry point missing"):
        reg.get("missing")
    # the good one is still usable after the failures
    assert type(reg.get("good")).__name__ == "Good"


def test_code_registration_hides_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = _unique("kind")
    module = _write_module(tmp_path, "class FromPlugin:\n    pass\n")
    _install_distribution(tmp_path, f"dubbopy.{kind}", {"same": f"{module}:FromPlugin"})
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: ExtensionRegistry[object] = ExtensionRegistry(kind)
    reg.register("same", Part)
    assert type(reg.get("same")) is Part


def test_refresh_sees_newly_installed_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kind = _unique("kind")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg: ExtensionRegistry[object] = ExtensionRegistry(kind)
    assert reg.names() == ()
    module = _write_module(tmp_path, "class Late:\n    pass\n")
    _install_distribution(tmp_path, f"dubbopy.{kind}", {"late": f"{module}:Late"})
    assert reg.names() == ()  # scanned once, cached
    reg.refresh()
    assert reg.names() == ("late",)


def test_module_level_registries_use_dubbo_entry_point_groups() -> None:
    expected: list[tuple[ExtensionRegistry[Any], str]] = [
        (extension.protocols, "dubbopy.protocol"),
        (extension.filters, "dubbopy.filter"),
        (extension.compressors, "dubbopy.compressor"),
        (extension.serializations, "dubbopy.serialization"),
        (extension.loadbalances, "dubbopy.loadbalance"),
        (extension.clusters, "dubbopy.cluster"),
        (extension.registries, "dubbopy.registry"),
    ]
    for registry, group in expected:
        assert registry.group == group


def test_bad_kind_is_rejected() -> None:
    with pytest.raises(ConfigError, match="kind"):
        ExtensionRegistry("not a kind")
