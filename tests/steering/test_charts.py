"""The 24 h charts: geometry from numbers only (gaps break the line, the SLA line sits where it should),
and nothing that reaches the SVG can become markup."""

from __future__ import annotations

from runbook_wan.ops.steering import ms, pct
from runbook_wan.status.charts import HEIGHT, PAD, build
from runbook_wan.status.render import environment

START, STEP = 1_000_000.0, 300.0
END = START + 24 * 3600


def test_a_gap_of_more_than_one_and_a_half_steps_starts_a_new_line_and_the_peak_breaks_the_sla() -> None:
    points = [(START + i * STEP, 0.0) for i in range(10)] + [(START + i * STEP, 0.05) for i in range(20, 30)]
    chart = build("loss", points, START, END, STEP, threshold=0.01, floor=0.01, fmt=pct)
    assert len(chart.lines) == 2 and all(len(line.split()) == 10 for line in chart.lines)
    assert chart.peak == "5 %" and chart.latest == "5 %" and chart.threshold == "1 %" and chart.breached
    zero_y = float(chart.lines[0].split()[0].split(",")[1])
    peak_y = float(chart.lines[1].split()[0].split(",")[1])
    assert zero_y == HEIGHT - PAD and peak_y < chart.threshold_y < zero_y  # type: ignore[operator]
    xs = [float(p.split(",")[0]) for line in chart.lines for p in line.split()]
    assert xs == sorted(xs) and xs[0] == PAD


def test_no_samples_draw_no_line_and_say_so() -> None:
    chart = build("latency", [], START, END, STEP, threshold=None, floor=0.02, fmt=ms)
    assert chart.empty and chart.latest == "-" and chart.threshold_y is None and not chart.breached


def test_every_text_in_the_chart_is_escaped() -> None:
    chart = build("loss", [(START, 0.001)], START, END, STEP, threshold=0.01, floor=0.01, fmt=pct)
    template = environment().get_template("_steering.html.j2")
    html = template.module.chart(chart, '"><script>alert(1)</script>')  # type: ignore[attr-defined]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "polyline" in html and "points=" in html
