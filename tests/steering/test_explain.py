"""The words the pane and ``status`` give for a class off its preferred circuit, from the agent's
metrics (no reason text there): its figures first, then its verdict, then its health of the circuit.

The reports are *hand-built* ``/state`` documents (the contract's shape, docs/agent.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from runbook_wan.ops.steering import AgentReport, AgentStateError, Thresholds, explain

VOICE = Thresholds(latency_ms=150, jitter_ms=30, loss_pct=1.0)


def _report(primary_loss: float, met: bool, health: str | None) -> AgentReport:
    """voice on the secondary; the primary's last window at ``primary_loss``, as read from Prometheus."""
    voice: dict[str, Any] = {
        "circuit": "secondary_dia",
        "preferred": "primary_dia",
        "since": 1_800_000_000.0,
        "sla_met": {"primary_dia": met, "secondary_dia": True},
    }
    if health is not None:
        voice["health"] = {"primary_dia": health, "secondary_dia": "ok"}
    return AgentReport.from_state(
        {
            "site": "chi-021",
            "circuits": {
                "primary_dia": {"loss_ratio": primary_loss, "latency_s": 0.012, "jitter_s": 0.002},
                "secondary_dia": {"loss_ratio": 0.0, "latency_s": 0.018, "jitter_s": 0.003},
            },
            "classes": {"voice": voice},
        }
    )


def _why(report: AgentReport) -> str:
    return explain(report.classes["voice"], report, VOICE)


def test_a_window_over_the_sla_is_named_with_its_figure() -> None:
    assert _why(_report(0.05, False, "breached")).startswith("primary_dia breaches loss 5 % > 1 %; on secondary_dia")


def test_a_clean_window_in_a_brownout_still_reads_as_breached_for_the_agent() -> None:
    """5 % random loss leaves a window of 100 probes with one loss now and then: the window meets
    voice's 1 %, the agent still counts the primary breached, and the words say so."""
    why = _why(_report(0.01, True, "breached"))
    assert why.startswith("primary_dia is breached for the agent: its last window meets the SLA, not yet for long")
    assert "on secondary_dia (meets the SLA): loss 0 % ≤ 1 %" in why


def test_a_recovering_primary_is_serving_its_hold() -> None:
    why = _why(_report(0.0, True, "recovering"))
    assert why.startswith("primary_dia meets the SLA again and serves its hold before the class returns")


def test_without_the_agents_health_the_words_stay_general() -> None:
    """An agent from before the health series: its decision, without guessing why."""
    assert _why(_report(0.0, True, None)).startswith("primary_dia is not used (agent's decision: hold time")


def test_health_that_is_not_an_object_is_refused_by_name() -> None:
    data: dict[str, Any] = {"site": "x", "circuits": {}, "classes": {"voice": {"circuit": None, "health": ["ok"]}}}
    with pytest.raises(AgentStateError, match=r"classes\.voice\.health: expected an object"):
        AgentReport.from_state(data)
