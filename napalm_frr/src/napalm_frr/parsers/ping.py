"""iputils ``ping`` output -> NAPALM's ping result."""

from __future__ import annotations

import re

from napalm_frr.models import PingProbeDict, PingResultDict, PingStatsDict

_REPLY = re.compile(r"^\d+ bytes from ([^\s:]+).*?time=([\d.]+) ms", re.MULTILINE)
_SUMMARY = re.compile(r"^(\d+) packets transmitted, (\d+) (?:packets )?received", re.MULTILINE)
_RTT = re.compile(r"= ([\d.]+)/([\d.]+)/([\d.]+)/([\d.]+) ms")


def ping_result(output: str) -> PingResultDict:
    """``success`` with counters and per-reply RTTs, or ``error`` when ping could not run at all.

    Like NAPALM's other drivers, a ping that ran but got no answer is a success with
    ``packet_loss == probes_sent``.
    """
    summary = _SUMMARY.search(output)
    if summary is None:
        message = " ".join(line.strip() for line in output.strip().splitlines() if line.strip())
        return {"error": message or "ping produced no output"}
    sent, received = int(summary.group(1)), int(summary.group(2))
    results: list[PingProbeDict] = [
        {"ip_address": m.group(1), "rtt": float(m.group(2))} for m in _REPLY.finditer(output)
    ]
    stats: PingStatsDict = {
        "probes_sent": sent,
        "packet_loss": sent - received,
        "rtt_min": 0.0,
        "rtt_max": 0.0,
        "rtt_avg": 0.0,
        "rtt_stddev": 0.0,
        "results": results,
    }
    rtt = _RTT.search(output)
    if rtt is not None:
        stats["rtt_min"], stats["rtt_avg"], stats["rtt_max"], stats["rtt_stddev"] = (
            float(rtt.group(i)) for i in range(1, 5)
        )
    return {"success": stats}
