"""The pure parts of logins and the team pane, one behaviour each: the role table, the scope filter,
session timeouts on an injected clock, the access.yaml errors, and the problems-first order.

The site views of the triage tests are built by hand (a state, a drift result, an incident each).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from pagekit import REPO, cli_env

from runbook_wan.drift.model import DriftResult, DriftStatus
from runbook_wan.ops.incidents import Incident, IncidentStatus
from runbook_wan.results import DiagnosticError
from runbook_wan.status import access_config
from runbook_wan.status.authz import Action, Actor, Role, may, scope_view, sees
from runbook_wan.status.collect import Sources, collect
from runbook_wan.status.model import SiteView
from runbook_wan.status.sessions import SessionPolicy, SessionStore
from runbook_wan.status.sources import intents as intents_source
from runbook_wan.status.triage import PER_PAGE, problems_first, triage
from runbook_wan.verify.model import SiteState
from runbook_wan.workspace import BUILTIN_PLATFORMS

REGIONS = {"central", "east", "south", "west"}


def test_each_role_holds_the_actions_of_the_roles_below() -> None:
    viewer, operator, admin = (Actor("x", r, None, "pane") for r in Role)
    assert [a for a in Action if may(viewer, a)] == [Action.READ]
    assert not may(operator, Action.MANAGE_USERS) and not may(operator, Action.READ_AUDIT)
    assert all(may(operator, a) for a in (Action.ACKNOWLEDGE, Action.SILENCE, Action.DRIFT_CHECK))
    assert all(may(admin, a) for a in Action)


def test_scope_hides_other_regions_and_regionless_things() -> None:
    west = Actor("carol", Role.OPERATOR, frozenset({"west"}), "pane")
    everyone = Actor("ann", Role.ADMIN, None, "pane")
    assert sees(west, "west") and not sees(west, "east") and not sees(west, "")
    assert sees(everyone, "") and sees(everyone, "east")
    view = collect(intents_source.load(REPO / "intents", BUILTIN_PLATFORMS), Sources(Path("/nonexistent")))
    provider_wide = _incident("p1", "", "")
    view = replace(view, incidents=[_incident("w1", "sea-001", "west"), provider_wide])
    scoped = scope_view(view, west)
    assert scoped.summary()["sites"] == 20 and {s.region for s in scoped.sites} == {"west"}
    assert [i.id for i in scoped.incidents] == ["w1"]
    assert scope_view(view, everyone) is view


def test_sessions_end_when_idle_or_too_old(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, SessionPolicy(idle=60, absolute=300, pending=30))
    actor = Actor("vic", Role.VIEWER, frozenset({"west"}), "pane")
    sid, _ = store.start(actor, "local", "127.0.0.1", now=1000)
    assert store.get(sid, now=1050) is not None
    assert store.get(sid, now=1111) is None  # 61 s idle since the last request that touched it (1050 - 15 s rule)
    sid, _ = store.start(actor, "local", "127.0.0.1", now=2000)
    for at in range(2000, 2300, 50):
        assert store.get(sid, now=at) is not None, at  # busy, but ...
    assert store.get(sid, now=2301) is None  # ... 12 h (here 300 s) after login it ends anyway
    pending, _ = store.start_pending("127.0.0.1", now=3000)
    assert store.get(pending, now=3031) is None  # a login form left open starts over
    other, session = store.start(actor, "local", "127.0.0.1", now=4000)
    assert session.actor() == actor and other != sid
    assert store.end_user("vic") == 1 and store.get(other, now=4001) is None


def _write_access(tmp_path: Path, text: str) -> Path:
    intents = tmp_path / "intents"
    intents.mkdir(exist_ok=True)
    (intents / "access.yaml").write_text(text)
    return intents


def test_access_yaml_errors_name_the_file_and_line(tmp_path: Path) -> None:
    intents = _write_access(
        tmp_path,
        "sessions: {idle_minutes: 0}\n"
        "oidc:\n"
        "  issuer: http://login.example.com\n"
        "  client_id: pane\n"
        "  client_secret: hunter2-inline\n"
        "  roles:\n"
        "    - {group: ops, role: superuser}\n"
        "    - {group: west-ops, role: operator, regions: [west, mars]}\n",
    )
    with pytest.raises(DiagnosticError) as bad:
        access_config.load(intents, REGIONS)
    lines = [d.line() for d in bad.value.diagnostics]
    text = "\n".join(lines)
    assert "access.yaml:1" in text and "idle_minutes" in text
    assert "access.yaml:3" in text and "https://" in text
    assert "access.yaml:5" in text and "secret values must not be written in intents" in text
    assert "access.yaml:7" in text and "'superuser' is not a role" in text
    _write_access(tmp_path, "oidc:\n  issuer: https://login.example.com\n  client_id: pane\n  roles:\n"
                  "    - {group: west-ops, role: operator, regions: [west, mars]}\n")  # fmt: skip
    with pytest.raises(DiagnosticError) as region:
        access_config.load(intents, REGIONS)
    assert [d.line().split(" ")[1].endswith("intents/access.yaml:5") for d in region.value.diagnostics] == [True]
    assert "no region 'mars'" in region.value.diagnostics[0].message


def test_status_serve_refuses_a_bad_access_yaml_before_listening(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    shutil.copytree(REPO / "intents", intents)
    (intents / "access.yaml").write_text("login: {max_failures: many}\n")
    argv = ["--state", str(tmp_path / "s"), "status", "serve", "--intents", str(intents), "--port", "1"]
    done = subprocess.run(
        [sys.executable, str(REPO / "runbook.py"), *argv],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "access.yaml:1 login.max_failures" in done.stderr


def _incident(incident_id: str, site: str, region: str) -> Incident:
    return Incident(
        incident_id, "k", "CircuitDown", "critical", site, region, "", "", "", IncidentStatus.FIRING, "t", "t"
    )


def _site(
    name: str, state: SiteState, *, drift: bool = False, incident: bool = False, region: str = "west"
) -> SiteView:
    return SiteView(
        site=name,
        name=name,
        region=region,
        platform="frr",
        policy="p",
        state=state,
        circuits=[],
        drift=DriftResult(name, DriftStatus.DRIFT, "t") if drift else None,
        open_incidents=[_incident("i-" + name, name, region)] if incident else [],
    )


def test_problems_first_then_filters_and_pages() -> None:
    sites = [
        _site("a-healthy", SiteState.HEALTHY),
        _site("b-unknown", SiteState.UNKNOWN),
        _site("c-incident", SiteState.HEALTHY, incident=True, region="east"),
        _site("d-drift", SiteState.HEALTHY, drift=True),
        _site("e-degraded", SiteState.DEGRADED, region="east"),
        _site("f-down", SiteState.DOWN),
    ]
    assert [s.site for s in problems_first(sites)] == [
        "f-down",
        "e-degraded",
        "d-drift",
        "c-incident",
        "b-unknown",
        "a-healthy",
    ]
    view = collect(intents_source.load(REPO / "intents", BUILTIN_PLATFORMS), Sources(Path("/nonexistent")))
    view = replace(view, sites=sites)
    problems = triage(view, state="problems")
    assert [s.site for s in problems.sites] == ["f-down", "e-degraded", "d-drift", "c-incident"]
    east = triage(view, region="east")
    assert [s.site for s in east.sites] == ["e-degraded", "c-incident"]
    assert {link.label: link.count for link in east.states}["incidents"] == 1
    assert next(link for link in east.regions if link.current).href == "/?region=east"
    assert triage(view, region="<script>", state="bogus").sites == problems_first(sites)  # unknown: ignored
    many = replace(view, sites=[_site(f"s{n:05d}", SiteState.HEALTHY) for n in range(PER_PAGE * 2 + 5)])
    second = triage(many, page=2)
    assert second.pages == 3 and len(second.sites) == PER_PAGE and second.sites[0].site == f"s{PER_PAGE:05d}"
    assert second.previous == "/" and second.next == "/?page=3"
