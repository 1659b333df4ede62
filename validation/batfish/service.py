"""The only place that talks to a Batfish service (through pybatfish).

:class:`BatfishService` is what the backend needs; :class:`PybatfishService` implements it against
a real service (users run ``batfish/allinone``). Answers come back as row records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

Rows = list[dict[str, Any]]

NETWORK = "runbook-validate"


class BatfishService(Protocol):
    def version(self) -> str: ...

    def init_snapshot(self, directory: Path, name: str) -> None: ...

    def fork(self, base: str, name: str, deactivate: Sequence[tuple[str, str]]) -> None: ...

    def ask(self, question: str, snapshot: str, params: Mapping[str, Any] | None = None) -> Rows: ...

    def delete(self, name: str) -> None: ...


#: pybatfish is an optional dependency (it pulls in pandas): what to do when it is missing.
MISSING = "pybatfish is not installed; install the extra: pip install 'runbook-wan[batfish]'"


class PybatfishMissingError(RuntimeError):
    """The Batfish backend was asked for, but its client library is not installed."""


class PybatfishService:
    """pybatfish ``Session`` on ``host`` (port 9996), network ``runbook-validate``."""

    def __init__(self, host: str) -> None:
        try:
            from pybatfish.client.session import Session  # noqa: PLC0415 - heavy import, only when used
        except ImportError as exc:
            raise PybatfishMissingError(MISSING) from exc

        self.session = Session(host=host)
        self.session.set_network(NETWORK)

    def version(self) -> str:
        versions = self.session.get_component_versions()
        return ", ".join(f"{k} {v}" for k, v in sorted(versions.items()))

    def init_snapshot(self, directory: Path, name: str) -> None:
        self.session.init_snapshot(str(directory), name=name, overwrite=True)

    def fork(self, base: str, name: str, deactivate: Sequence[tuple[str, str]]) -> None:
        from pybatfish.datamodel.primitives import Interface  # noqa: PLC0415

        self.session.fork_snapshot(
            base,
            name=name,
            overwrite=True,
            deactivate_interfaces=[Interface(host, iface) for host, iface in deactivate],
        )

    def ask(self, question: str, snapshot: str, params: Mapping[str, Any] | None = None) -> Rows:
        from pybatfish.datamodel.flow import HeaderConstraints, PathConstraints  # noqa: PLC0415

        kwargs = dict(params or {})
        if isinstance(kwargs.get("headers"), Mapping):
            kwargs["headers"] = HeaderConstraints(**kwargs["headers"])
        if isinstance(kwargs.get("pathConstraints"), Mapping):
            kwargs["pathConstraints"] = PathConstraints(**kwargs["pathConstraints"])
        frame = getattr(self.session.q, question)(**kwargs).answer(snapshot=snapshot).frame()
        rows: Rows = frame.to_dict(orient="records")
        return rows

    def delete(self, name: str) -> None:
        self.session.delete_snapshot(name)
