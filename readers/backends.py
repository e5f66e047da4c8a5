"""Reader backends by name, found through the ``sscard.reader_backends`` entry points.

Backends that live outside ``readers`` (the simulators' soft-card reader, say) plug in
here, so that commands can offer them without ``readers`` importing their packages.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from readers.connection import ReaderBackend

ENTRY_POINT_GROUP = "sscard.reader_backends"


class BackendNotAvailableError(LookupError):
    pass


def available_backends() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))


def open_backend(name: str, **options: Any) -> ReaderBackend:
    """Build the backend registered as ``name`` with its factory's keyword options."""
    found = entry_points(group=ENTRY_POINT_GROUP, name=name)
    if not found:
        known = ", ".join(available_backends()) or "none"
        raise BackendNotAvailableError(
            f"no reader backend named {name!r} is installed (installed: {known}); "
            "reinstall the project: pip install -e ."
        )
    factory = next(iter(found)).load()
    backend: ReaderBackend = factory(**options)
    return backend
