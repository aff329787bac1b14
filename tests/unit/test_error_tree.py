"""The tree drawn in ``errors.py`` is the package's real exception hierarchy, every class in it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import koppelcheck
from koppelcheck import errors
from koppelcheck.errors import KoppelcheckError

BRANCH = re.compile(r"^(?P<indent>[ │]*)(?:├── |└── )?(?P<name>[A-Z][A-Za-z]+)\b")


def _package_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in pkgutil.walk_packages(koppelcheck.__path__, "koppelcheck."):
        if module.name.endswith(".__main__"):  # runs on import
            continue
        loaded = importlib.import_module(module.name)
        for value in vars(loaded).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("koppelcheck.")
            ):
                found[value.__name__] = value
    return found


def _drawn_parents() -> dict[str, str]:
    """``{class: parent}`` read from the drawings in the module docstring."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        text = line[4:] if line.startswith("    ") else None
        if text is None or not text.strip():
            continue
        match = BRANCH.match(text)
        if match is None:
            continue
        depth = match.start("name")  # a name's column is its depth in the drawing
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[match["name"]] = stack[-1][1]
        stack.append((depth, match["name"]))
    return parents


def test_every_exception_class_of_the_package_is_drawn_under_its_parent() -> None:
    drawn = _drawn_parents()
    classes = _package_exceptions()
    assert len(classes) >= 20
    missing = sorted(set(classes) - set(drawn) - {"KoppelcheckError"})
    assert not missing, f"not drawn in errors.py: {missing}"
    wrong = sorted(
        f"{name}: drawn under {drawn[name]}, is a {cls.__mro__[1].__name__}"
        for name, cls in classes.items()
        if name in drawn and cls.__mro__[1].__name__ != drawn[name]
    )
    assert not wrong, wrong


def test_nothing_is_drawn_that_does_not_exist() -> None:
    classes = set(_package_exceptions()) | {"SystemExit", "ValueError", "Exception"}
    assert set(_drawn_parents()) - classes == set()


def test_every_koppelcheck_error_lives_in_errors() -> None:
    strays = sorted(
        f"{cls.__module__}.{name}"
        for name, cls in _package_exceptions().items()
        if issubclass(cls, KoppelcheckError) and cls.__module__ != "koppelcheck.errors"
    )
    assert not strays, f"define these in koppelcheck.errors: {strays}"


def test_the_old_import_paths_still_work() -> None:
    from koppelcheck.afas.oauth import OAuthRefused
    from koppelcheck.bundle.build import BundleRefusedError
    from koppelcheck.bundle.keys import KeyringUnavailableError as FromKeys
    from koppelcheck.bundle.verify import BundleInvalidError, BundleUnreadableError
    from koppelcheck.oskeyring import KeyringUnavailableError

    assert OAuthRefused is errors.OAuthRefused
    assert BundleRefusedError is errors.BundleRefusedError
    assert BundleInvalidError is errors.BundleInvalidError
    assert BundleUnreadableError is errors.BundleUnreadableError
    assert KeyringUnavailableError is FromKeys is errors.KeyringUnavailableError
