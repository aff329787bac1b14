"""The one way koppelcheck uses the OS keyring, for tokens and the signing key alike.

- **Which backend**: the active one, or for a chainer its best *secure* member. A chainer writes
  to its highest-priority member, which may be a plaintext file; so the secure member is picked
  here and used directly. ``fail``, ``null``, plaintext and unencrypted backends are never used.
- **How long**: every call runs in a daemon thread and is given up after
  :data:`KEYRING_TIMEOUT_SECONDS`: on headless Linux a locked Secret Service can block forever.
  A call that fails or times out raises :class:`KeyringUnavailableError`, which never carries
  secret text.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar, TypeVarTuple

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from koppelcheck.errors import KeyringUnavailableError as KeyringUnavailableError  # raised here
from koppelcheck.i18n import Text

KEYRING_SERVICE = "koppelcheck"
KEYRING_TIMEOUT_SECONDS = 10.0
"""How long one keyring call may take before koppelcheck gives up on the keyring."""
_INSECURE_NAME_MARKERS = ("plaintext", "uncrypted", "unencrypted", "fail", "null")
_T = TypeVar("_T")
_Args = TypeVarTuple("_Args")


def backend_label(backend: object) -> str:
    """A keyring backend's dotted class name, for messages."""
    return f"{type(backend).__module__}.{type(backend).__name__}"


def is_secure_backend(backend: KeyringBackend) -> bool:
    """False for the ``fail`` and ``null`` backends and anything plaintext; True otherwise."""
    if isinstance(backend, fail.Keyring | null.Keyring | chainer.ChainerBackend):
        return False
    label = backend_label(backend).lower()
    return not any(marker in label for marker in _INSECURE_NAME_MARKERS)


def active_backend() -> KeyringBackend | None:
    """The keyring package's active backend, or None when the package cannot give one."""
    try:
        return keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring install is "no keyring"
        return None


def secure_backend() -> KeyringBackend | None:
    """The backend to use: the active one, or for a chainer its best secure member (the members
    come highest priority first); None when there is no secure one."""
    active = active_backend()
    if active is None:
        return None
    try:
        members = active.backends if isinstance(active, chainer.ChainerBackend) else [active]
    except Exception:  # noqa: BLE001 - a broken keyring install is "no keyring"
        return None
    return next((member for member in members if is_secure_backend(member)), None)


def refusal_reason() -> Text | None:
    """Why the keyring cannot be used, or None when it can."""
    if secure_backend() is not None:
        return None
    active = active_backend()
    if active is None:
        return Text("input.keyring.unavailable")
    return Text("input.keyring.insecure", backend=type(active).__name__)


def bounded(call: Callable[[*_Args], _T], *args: *_Args, timeout_s: float | None = None) -> _T:
    """Run one keyring call in a daemon thread; KeyringUnavailableError on error or time-out.

    A call still blocked after the time-out is left behind in its daemon thread: the process can
    still end, and nothing waits for it.
    """
    limit = KEYRING_TIMEOUT_SECONDS if timeout_s is None else timeout_s
    owner = getattr(call, "__self__", None)
    label = backend_label(owner) if owner is not None else "keyring"
    values: list[_T] = []
    errors: list[str] = []

    def run() -> None:
        try:
            values.append(call(*args))
        except Exception as exc:  # noqa: BLE001 - reported as "unavailable", text dropped
            errors.append(type(exc).__name__)

    worker = threading.Thread(target=run, name="koppelcheck-keyring", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise KeyringUnavailableError("time-out", label)
    if errors:
        raise KeyringUnavailableError(errors[0], label)
    return values[0]


def get_password(
    backend: KeyringBackend, account: str, *, timeout_s: float | None = None
) -> str | None:
    """The stored value of ``account`` in ``backend``, time-bounded (see :func:`bounded`)."""
    value = bounded(backend.get_password, KEYRING_SERVICE, account, timeout_s=timeout_s)
    return value if isinstance(value, str) else None


def set_password(backend: KeyringBackend, account: str, value: str) -> None:
    """Store ``value`` under ``account`` in ``backend``, time-bounded."""
    bounded(backend.set_password, KEYRING_SERVICE, account, value)


def delete_password(backend: KeyringBackend, account: str) -> None:
    """Remove ``account`` from ``backend``, time-bounded."""
    bounded(backend.delete_password, KEYRING_SERVICE, account)
