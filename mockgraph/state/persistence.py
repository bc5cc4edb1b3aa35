"""--state-file: every tenant's state saved atomically, and loaded at start."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockgraph import jsontext
from mockgraph.domain.times import format_offset_datetime
from mockgraph.errors import GraphError
from mockgraph.jsontext import NotUnicode, TooDeep
from mockgraph.state.snapshot import export_tenant, import_tenant
from mockgraph.state.store import Store

FORMAT = "mockgraph-state/1"


class StateFileError(Exception):
    """A state file that cannot be loaded; it is left as it is."""


@dataclass
class Saves:
    """How the state file's periodic saves are going, for GET /_mockgraph/health."""

    failures: int = 0
    last_error: str | None = None


class StateLock:
    """The state file is held by one server at a time: an exclusive lock on a file beside it
    (`.NAME.lock`, holding the holder's pid), kept for the life of the process.

    os.replace swaps the state file itself at every save, so the lock cannot live on it.
    """

    def __init__(self, state: Path) -> None:
        self.state = state
        self.path = state.with_name(f".{state.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> StateLock:
        """Take the lock, or StateFileError naming the file and the holder's pid."""
        state = self.state
        try:
            state.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateFileError(f"{state}: cannot lock the state file: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateFileError(
                f"{state}: the state file is in use by another mockgraph server (pid {holder}); "
                "it is left untouched"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def snapshot(store: Store, extra: dict[str, Any] | None = None) -> bytes:
    """Every tenant, in the export format of GET /_mockgraph/state, and the `extra` sections
    the layers above keep (subscriptions, refresh tokens)."""
    document = {
        "format": FORMAT,
        "savedAt": format_offset_datetime(store.clock.now()),
        "tenants": [export_tenant(tenant) for tenant in store.tenants.values()],
        **(extra or {}),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, fsync it, rename it over `path`, fsync the
    folder: a reader sees the old file or the new one, never a part."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files of writes that a killed run left half done beside `path`
    (their names are write_atomically's own; the state file itself is never touched)."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        leftover.unlink(missing_ok=True)


def load(store: Store, path: Path, restore: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Load a state file into `store` (all of it or nothing), then hand the whole document to
    `restore` for the sections above the store (ValueError: StateFileError); the number of
    tenants."""
    remove_leftovers(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the state file: {exc.strerror}") from None
    try:
        document: Any = jsontext.loads(raw)
    except (NotUnicode, TooDeep) as exc:
        raise StateFileError(f"{path}: {exc}; the file is left untouched") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise StateFileError(
            f"{path}: not a complete mockgraph state file (invalid JSON: "
            f"{exc}); it is left untouched"
        ) from None
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("tenants"), list)
    ):
        raise StateFileError(
            f'{path}: not a mockgraph state file (no "format": '
            f'"{FORMAT}" with a "tenants" list); it is left untouched'
        )
    # Read every tenant into a scratch store first: nothing changes unless all of it loads.
    scratch = Store(
        store.fixtures,
        store.clock,
        throttle=store.throttle,
        max_tenants=store.max_tenants + len(document["tenants"]),
    )
    for index, tenant_document in enumerate(document["tenants"]):
        if not isinstance(tenant_document, dict) or not isinstance(
            tenant_document.get("tenantId"), str
        ):
            raise StateFileError(f"{path}: $.tenants[{index}] is not a tenant export")
        try:
            import_tenant(scratch.tenant(tenant_document["tenantId"]), tenant_document)
        except GraphError as exc:
            raise StateFileError(
                f"{path}: $.tenants[{index}]: {exc.message}; it is left untouched"
            ) from None
    for tenant_id, tenant in scratch.tenants.items():
        store.tenants[tenant_id] = tenant
        store.created.add(tenant_id)
    if restore is not None:
        try:
            restore(document)
        except ValueError as exc:
            raise StateFileError(f"{path}: {exc}; it is left untouched") from None
    return len(document["tenants"])
