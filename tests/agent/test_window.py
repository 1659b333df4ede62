"""Window figures: loss, one-way latency and jitter estimates from round trips."""

from __future__ import annotations

import pytest

from runbook_wan.agent.window import Sample, SampleWindow, stats


def test_figures_are_one_way_estimates_from_round_trips() -> None:
    samples = [Sample(0.0, 0.020), Sample(0.1, 0.030), Sample(0.2, None), Sample(0.3, 0.020)]
    w = stats(samples, expected=4)
    assert (w.sent, w.lost, w.received) == (4, 1, 3)
    assert w.loss_ratio == 0.25
    assert w.latency_s == pytest.approx((0.020 + 0.030 + 0.020) / 3 / 2)
    assert w.jitter_s == pytest.approx((0.010 + 0.010) / 2 / 2), "consecutive replies, the lost one skipped"
    assert stats([Sample(0, None)], 1).latency_s is None


def test_a_window_forgets_what_is_older_than_itself_and_needs_half_its_probes() -> None:
    window = SampleWindow(window_s=10, interval_s=0.1)
    window.extend(Sample(t / 10, 0.001) for t in range(0, 200))
    now = 20.0
    w = window.stats(now)
    assert w.sent == 100 and w.expected == 100 and w.enough
    assert not stats([Sample(0, 0.001)] * 49, expected=100).enough
