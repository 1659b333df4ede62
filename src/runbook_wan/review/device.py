"""The device layer: each device's own diff against its running config, grouped like configs."""

from __future__ import annotations

from runbook_wan.facts.models import SiteFacts
from runbook_wan.review.grouping import group_hunks, parse_device_diff
from runbook_wan.review.model import DeviceLayer


def device_layer(
    diffs: dict[str, str], unavailable: dict[str, str], facts: dict[str, SiteFacts], source: str
) -> DeviceLayer:
    """Group device diffs (``compare_config`` output) the way config hunks are grouped."""
    hunks = {site: parse_device_diff(text) for site, text in diffs.items() if text.strip()}
    return DeviceLayer(
        diffs={s: d for s, d in diffs.items() if d.strip()},
        grouping=group_hunks(hunks, facts),
        unavailable=unavailable,
        source=source,
    )
