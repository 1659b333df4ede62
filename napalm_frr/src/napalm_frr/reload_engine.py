"""FRR's own diff logic (``frr-reload.py``), run on the controller.

``frr-reload.py --test`` / ``--reload`` on the device read the running config several times, each
through two vtysh processes (show + mark), and apply the adds with ``vtysh -f``, which holds bgpd
back for seconds (FRR 8.4: the ``XFRR_start/end_configuration`` markers of file input). Here the
same classes (``Config``, ``compare_context_objects``, ``lines_to_config``) run on the controller
against texts the driver already has:

* the candidate as the device's ``vtysh -m`` marked it (the load step's syntax check prints it);
* the running config as read once through the driver's vtysh session. FRR prints it in closed form
  (every context ends with ``exit``), where marking changes nothing; :func:`closed_form` checks
  that, and the driver has the device mark any text that is not (it never happens with FRR 8.4).

The module is loaded from the controller's ``frr-pythontools`` (``/usr/lib/frr/frr-reload.py`` by
default); it is FRR's GPL code, used as installed and never copied into this package.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

DEFAULT_FRR_RELOAD = "/usr/lib/frr/frr-reload.py"

#: One entry of frr-reload's lists: the context keys and the line (None: the whole context).
Entry = tuple[tuple[str, ...], str | None]

_LOADED: dict[str, ModuleType] = {}
_LOAD_LOCK = threading.Lock()


class EngineUnavailableError(RuntimeError):
    """frr-reload.py cannot be loaded on the controller."""


def _load_module(path: str) -> ModuleType:
    """frr-reload.py as a module (compiled here: no bytecode is written next to FRR's files)."""
    with _LOAD_LOCK:
        module = _LOADED.get(path)
        if module is not None:
            return module
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise EngineUnavailableError(f"{path}: {exc} (install frr-pythontools on the controller)") from exc
        module = ModuleType("napalm_frr_frr_reload")
        module.__file__ = path
        try:
            with warnings.catch_warnings():  # FRR 8.4's regexes use "\S" in plain strings
                warnings.simplefilter("ignore", DeprecationWarning)
                code = compile(source, path, "exec")
            exec(code, module.__dict__)
        except Exception as exc:
            raise EngineUnavailableError(f"{path} cannot be loaded: {exc}") from exc
        if not all(hasattr(module, name) for name in ("Config", "compare_context_objects", "lines_to_config")):
            raise EngineUnavailableError(f"{path} is not FRR's frr-reload.py")
        # frr-reload logs its decisions; keep them out of the caller's logs.
        logger = logging.getLogger(module.__name__)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
        setattr(module, "log", logger)  # noqa: B010 - the module global its functions use
        _LOADED[path] = module
        return module


class _MarkedText:
    """Stands in for frr-reload's ``Vtysh``: the text is already marked (or in closed form)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def mark_file(self, filename: str, stdin: Any = None) -> str:  # noqa: ARG002 - frr-reload's signature
        return self.text

    def mark_show_run(self, daemon: str | None = None) -> str:  # noqa: ARG002 - frr-reload's signature
        return self.text


def closed_form(text: str) -> bool:
    """Whether frr-reload's context parser reads ``text`` the same without vtysh's marking.

    Marking (``vtysh -m``) only inserts ``exit`` lines where a line belongs to an outer context.
    In closed form that never happens: indentation is one space per open context and every
    context ends with an ``exit...`` line at its own indentation. FRR's ``show running-config``
    is always in this form.
    """
    depth = 0
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith(("!", "#")) or stripped == "end":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if stripped.startswith("exit"):
            if indent == depth - 1:
                depth -= 1
            elif indent != depth:  # indent == depth: a context without lines was closed
                return False
        elif indent == depth + 1:
            depth += 1  # the previous line opened a context
        elif indent != depth:
            return False
    return True


@dataclass
class ReloadDiff:
    """What frr-reload would delete and add to turn the running config into the candidate."""

    engine: ReloadEngine
    to_add: list[Entry]
    to_del: list[Entry]

    @property
    def empty(self) -> bool:
        return not any(line != "!" for _, line in self.to_add) and not any(line != "!" for _, line in self.to_del)

    def test_output(self) -> str:
        """The text ``frr-reload.py --test`` prints for this diff."""
        out: list[str] = []
        to_config = self.engine.lines_to_config
        deletes = [to_config(keys, line, True) for keys, line in self.to_del if line != "!"]
        adds = [to_config(keys, line, False) for keys, line in self.to_add if line != "!"]
        if deletes:
            out += ["", "Lines To Delete", "==============="]
            out += ["\n".join(lines) for lines in deletes]
        if adds:
            out += ["", "Lines To Add", "============"]
            out += ["\n".join(lines) for lines in adds]
        return "\n".join(out) + ("\n" if out else "")

    def commands(self, *, deletes: bool = True) -> list[ApplyLine]:
        """vtysh commands (without ``configure`` / ``end``) that apply this diff, as
        ``frr-reload.py --reload`` would: deletes first, then adds.

        Consecutive entries of one context share its context lines (vtysh stays in that node);
        an entry of another context starts with that context's full key lines, and vtysh walks up
        the node tree to reach it, exactly as it does for frr-reload's ``vtysh -f`` file. The adds
        are ordered so that bgpd never references a route-map, prefix-list or BFD profile that
        does not exist yet: every context other than ``router bgp`` comes first.
        """
        to_config = self.engine.lines_to_config
        commands: list[ApplyLine] = []
        current: tuple[str, ...] | None = None
        entries = [(keys, line, True) for keys, line in self.to_del] if deletes else []
        adds = [(keys, line, False) for keys, line in self.to_add]
        entries += [e for e in adds if not e[0][0].startswith("router bgp")]
        entries += [e for e in adds if e[0][0].startswith("router bgp")]
        for keys, line, delete in entries:
            if line == "!":
                continue
            lines = to_config(keys, line, delete)
            context = tuple(lines[:-1])
            if line is not None and not delete and keys == current:
                commands.append(ApplyLine(lines[-1], context, False))
                continue
            commands.extend(ApplyLine(text, tuple(lines[:i]), False) for i, text in enumerate(lines[:-1]))
            commands.append(ApplyLine(lines[-1], context, delete))
            # After "context lines + line" (or an added context), vtysh is inside ``keys``; after a
            # deleted context ("no ...") it stays where it was.
            current = keys if not (delete and line is None) and not keys[0].startswith("no ") else None
        return commands


@dataclass(frozen=True)
class ApplyLine:
    """One vtysh command of an apply, with the context lines that lead to its node."""

    text: str
    context: tuple[str, ...]
    #: a delete (``no ...``): frr-reload retries those with fewer words when FRR refuses them
    delete: bool

    def shortened(self) -> ApplyLine | None:
        """frr-reload's retry of a refused delete: the last word dropped, until two remain
        (``no ip ospf authentication message-digest 1.1.1.1`` -> ``... message-digest``)."""
        words = self.text.split(" ")
        if not self.delete or len(words) <= 2:
            return None
        return ApplyLine(" ".join(words[:-1]), self.context, True)

    def variants(self) -> list[ApplyLine]:
        """This delete and every shortened form frr-reload would try after it, in order."""
        found: list[ApplyLine] = []
        line: ApplyLine | None = self
        while line is not None:
            found.append(line)
            line = line.shortened()
        return found


def dry_run_text(deletes: list[ApplyLine]) -> tuple[str, dict[int, tuple[int, int]]]:
    """A file for ``vtysh -C`` (parse only, nothing applied) holding every delete's variants under
    its context; and line number -> (index in ``deletes``, variant index)."""
    lines: list[str] = []
    where: dict[int, tuple[int, int]] = {}
    for index, delete in enumerate(deletes):
        lines.extend(delete.context)
        for number, variant in enumerate(delete.variants()):
            lines.append(variant.text)
            where[len(lines)] = (index, number)
    return "\n".join(lines) + "\n", where


class ReloadEngine:
    """frr-reload.py's classes, loaded once per controller process."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    @classmethod
    def load(cls, path: str = DEFAULT_FRR_RELOAD) -> ReloadEngine:
        return cls(_load_module(path))

    def lines_to_config(self, keys: tuple[str, ...], line: str | None, delete: bool) -> list[str]:
        lines: list[str] = self.module.lines_to_config(keys, line, delete)
        return lines

    def diff(self, marked_candidate: str, running: str) -> ReloadDiff:
        """frr-reload's ``compare_context_objects(newconf, running)``."""
        newconf = self.module.Config(_MarkedText(marked_candidate))
        newconf.load_from_file("candidate")
        current = self.module.Config(_MarkedText(running))
        current.load_from_show_running(None)
        to_add, to_del = self.module.compare_context_objects(newconf, current)
        return ReloadDiff(self, list(to_add), list(to_del))

    def second_pass(self, marked_candidate: str, running: str, first: ReloadDiff) -> ReloadDiff:
        """frr-reload's second pass: the adds still missing plus the first pass's adds, no deletes
        (a delete can take other lines with it, e.g. ``no neighbor X remote-as`` drops the
        neighbor's other lines; the second pass puts those back)."""
        again = self.diff(marked_candidate, running)
        adds = [e for e in again.to_add if not e[0][0].startswith("no ")] + [
            e for e in first.to_add if not e[0][0].startswith("no ")
        ]
        return ReloadDiff(self, adds, [])
