"""The review as Markdown for a pull request: summary first, details collapsed, under GitHub's limit.

GitHub refuses a comment over 65,536 characters. The comment keeps the summary, the intent
changes, the gate verdict and the reach whole, then adds grouped config (and device) changes
while they fit; whatever does not fit is named with a pointer to the full report, which is the
same document without a budget (written to a file and uploaded as a CI artifact). Every value that
comes from the intents passes through :mod:`runbook_wan.markup.markdown`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from runbook_wan.markup.markdown import code, fenced, html_text, text
from runbook_wan.plan.diff import render_unified
from runbook_wan.plan.model import Change
from runbook_wan.plan.output import artifact_counts
from runbook_wan.results import SourceLocation
from runbook_wan.review.gate import GateVerdict
from runbook_wan.review.grouping import Grouping
from runbook_wan.review.intent_diff import IntentChange, format_value
from runbook_wan.review.model import Review

#: GitHub's limit for an issue or PR comment body.
GITHUB_COMMENT_LIMIT = 65_536
#: What the comment may use; the rest is headroom for CI to add its own lines.
COMMENT_BUDGET = 60_000
#: Sites listed by name in a comment before "and N more".
SITES_SHOWN = 120
#: Intent changes and "why" rows listed in a comment before "and N more".
CHANGES_SHOWN = 40
ROUTES_SHOWN = 25


def _where(at: SourceLocation | None) -> str:
    if at is None:
        return "—"
    return code(f"{at.file}:{at.line}" if at.line else at.file)


def _sites(sites: Iterable[str], limit: int | None) -> str:
    names = sorted(sites)
    shown = names if limit is None else names[:limit]
    more = len(names) - len(shown)
    out = ", ".join(code(s) for s in shown)
    return out + (f" … and {more} more (full report)" if more else "")


def _by_region(review: Review, sites: Iterable[str]) -> str:
    regions: Counter[str] = Counter()
    for site in sites:
        impact = review.impact.sites.get(site) if review.impact else None
        facts = review.facts.get(site)
        regions[impact.region if impact else facts.region if facts else "?"] += 1
    return ", ".join(f"{text(r)} {n}" for r, n in sorted(regions.items()))


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def _verdict_line(gate: GateVerdict) -> str:
    if gate.policy is None:
        return "> ⚪ No blast-radius gate: `estate.change_policy` is not set in the intents."
    if not gate.exceeded:
        return f"> ✅ **Within the blast-radius gate**: {text(gate.headline().split(': ', 1)[-1])}."
    rules = ", ".join(code(r) for r in dict.fromkeys(f.rule for f in gate.findings))
    if gate.override:
        return f"> ⚠️ **Exceeds the blast-radius gate** ({rules}); **overridden**: {text(gate.override)}"
    return (
        f"> ❌ **Exceeds the blast-radius gate** ({rules}). Split the change, or have it approved and "
        "pass `--allow-wide-change REASON` (recorded in the audit log)."
    )


def _summary(review: Review) -> list[str]:
    plan, impact = review.plan, review.impact
    totals = plan.totals()
    touched = len(plan.touched)
    rotated = {site for c in review.secrets for site in c.sites} - set(plan.touched)
    if touched:
        title = f"{touched} of {plan.total_sites} sites change against {text(plan.baseline)}"
    else:
        title = f"no config changes against {text(plan.baseline)}"
    if rotated:
        title += f"; {len(rotated)} more site(s) get a rotated secret"
    out = [f"## Runbook review: {title}", "", _verdict_line(review.gate), "", "| layer | what |", "|---|---|"]
    if impact is None:
        out.append(f"| intent | not available: {text(review.intent_note)} |")
    else:
        files = {at.file.rpartition(":")[2] for c in impact.changes if (at := c.new_at or c.old_at) is not None}
        out.append(f"| intent | {len(impact.changes)} change(s) in {len(files)} file(s) |")
        reached = impact.reached
        if reached:
            out.append(f"| sites reached | {len(reached)} ({_by_region(review, reached)}) |")
    if review.secrets:
        reach = sorted({site for c in review.secrets for site in c.sites})
        unreviewed = [c.name for c in review.secrets if not c.reviewed]
        flag = f"; ❌ not reviewed: {', '.join(code(n) for n in unreviewed)}" if unreviewed else ""
        out.append(
            f"| secrets | {len(review.secrets)} secret(s) change, reaching {len(reach)} site(s) "
            f"(the values, never shown; configs carry only the name){flag} |"
        )
    groups = review.grouping
    line_counts = f"+{totals['lines_added']} −{totals['lines_removed']} lines in all"
    out.append(
        f"| config | {totals['changed']} changed, {totals['added']} added, {totals['removed']} removed, "
        f"{totals['unchanged']} unchanged; {len(groups.groups)} distinct change(s) ({line_counts}) |"
    )
    artifacts = artifact_counts(plan)
    if artifacts:
        what = ", ".join(f"{code(suffix)} at {n} site(s)" for suffix, n in artifacts.items())
        out.append(f"| artifacts (deployed with the config) | {what} |")
    if review.device is not None:
        dev = review.device
        changed = sum(1 for d in dev.diffs.values() if d.strip())
        extra = f", {len(dev.unavailable)} not reachable" if dev.unavailable else ""
        out.append(
            f"| device | {changed} device(s) differ from their running config; "
            f"{len(dev.grouping.groups)} distinct change(s){extra} |"
        )
    else:
        out.append("| device | not checked here (`deploy --check --format markdown` adds each device's own diff) |")
    out.append("")
    return out


def change_markdown(change: IntentChange) -> str:
    """``**policy retail-standard, class saas**: `path_preference` `[a, b]` → `[b, a]```."""
    subject = f"**{text(change.subject)}**"
    if not change.key:
        return f"{subject}: {text(change.words().partition(': ')[2])}"
    key = code(change.key)
    if change.action == "added":
        return f"{subject}: {key} added: {code(format_value(change.new))}"
    if change.action == "removed":
        return f"{subject}: {key} removed (was {code(format_value(change.old))})"
    return f"{subject}: {key} {code(format_value(change.old))} → {code(format_value(change.new))}"


def _intent_section(review: Review, budget: int | None) -> list[str]:
    impact = review.impact
    if impact is None or not impact.changes:
        return [] if impact is None else ["### Intent changes", "", "No intent changes.", ""]
    out = ["### Intent changes", ""]
    shown = impact.changes if budget is None else impact.changes[:CHANGES_SHOWN]
    for index, change in enumerate(shown, 1):
        reach = impact.reach(index - 1)
        out.append(f"{index}. {change_markdown(change)}  ")
        out.append(
            f"   {_where(change.old_at)} → {_where(change.new_at)} · reaches **{len(reach)} site(s)**"
            + (f" ({_by_region(review, reach)})" if reach else "")
        )
    if len(shown) < len(impact.changes):
        out.append(f"\n… and {len(impact.changes) - len(shown)} more intent change(s) in the full report.")
    out.append("")
    return out


def _secrets_section(review: Review, budget: int | None) -> list[str]:
    """Which secret changes, and which sites and sessions it reaches (never the value)."""
    if not review.secrets:
        return []
    out = [
        "### Secret changes (values never shown)",
        "",
        "| secret | change | sites | sessions | where |",
        "|---|---|---|---|---|",
    ]
    for change in review.secrets:
        mark = "" if change.reviewed else "❌ "
        listed = _sites(change.sites, 12 if budget else None)
        sites = (
            f"**{len(change.sites)}** ({_by_region(review, change.sites)}): {listed}"
            if change.sites
            else "none (reaches no device)"
        )
        example = change.example()
        sessions = (
            f"{change.session_count}, e.g. {code(example[0])}: {code(example[1])}" if example is not None else "–"
        )
        out.append(
            f"| {code(change.name)} | {mark}{text(change.what)} | {sites} | {sessions} | "
            f"{_where(change.new_at or change.old_at)} |"
        )
    out.append("")
    if any(not c.reviewed for c in review.secrets):
        out += [
            "> ❌ A secret's value changed in the secrets source but the intents declare no rotation: review never "
            "saw it. Raise the reference's `rotation` in a reviewed change, or deploy with `--rotate-secret NAME` / "
            "`--allow-wide-change REASON` (recorded in the audit log).",
            "",
        ]
    if review.secrets_note:
        out += [f"<sub>{text(review.secrets_note)}</sub>", ""]
    return out


def _gate_section(review: Review) -> list[str]:
    gate = review.gate
    if gate.policy is None:
        return []
    at = gate.policy_at
    out = [f"### Blast-radius gate ({code('estate.change_policy')} at {_where(at)})", ""]
    out += ["| rule | limit | this change | |", "|---|---|---|---|"]
    broken = {f.rule for f in gate.findings}
    for rule in ("max_sites", "max_sites_per_region", "max_circuit_roles_per_site"):
        limit = gate.limits.get(rule, "not set")
        seen = gate.observed.get(rule, "—")
        ok = rule not in broken
        unchecked = rule == "max_circuit_roles_per_site" and not gate.roles_checked
        out.append(f"| {code(rule)} | {text(limit)} | {text(seen)} | {'⚪' if unchecked else _mark(ok)} |")
    out.append("")
    for finding in gate.findings:
        out.append(f"- ❌ {text(finding.message)}")
    if gate.onboarding:
        out.append(f"- {len(gate.onboarding)} site(s) onboarded (no config before), not counted")
    if gate.findings or gate.onboarding:
        out.append("")
    return out


def _why_section(review: Review, limit: int | None) -> list[str]:
    impact = review.impact
    if impact is None or not impact.sites:
        return []
    routes: dict[str, list[str]] = {}
    for site, info in impact.sites.items():
        routes.setdefault(info.why, []).append(site)
    out = ["### Why these sites", "", "| reached through | sites |", "|---|---|"]
    ordered = sorted(routes.items(), key=lambda item: (-len(item[1]), item[0]))
    shown = ordered if limit is None else ordered[:ROUTES_SHOWN]
    for why, sites in shown:
        out.append(f"| {text(why)} | **{len(sites)}**: {_sites(sites, 12 if limit else None)} |")
    if len(shown) < len(ordered):
        rest = sum(len(sites) for _, sites in ordered[len(shown) :])
        out.append(f"| … {len(ordered) - len(shown)} more reason(s) | {rest} site(s), in the full report |")
    out.append("")
    return out


def _group_blocks(grouping: Grouping, title: str, limit: int | None) -> list[list[str]]:
    blocks: list[list[str]] = []
    total = len(grouping.groups)
    for number, group in enumerate(grouping.groups, 1):
        chains = list(dict.fromkeys(" › ".join(key[0]) for key in group.keys))
        where = ", ".join(code(c) if c else "top level" for c in chains[:4]) + (" …" if len(chains) > 4 else "")
        sites = group.sites
        block = [
            f"**{title} {number} of {total}: {len(sites)} site(s)**, {len(group.keys)} hunk(s) under {where} · "
            f"+{group.added} −{group.removed} line(s) per site",
            "",
            f"<details><summary>{len(sites)} site(s): {html_text(', '.join(sites[:6]))}"
            + (" …" if len(sites) > 6 else "")
            + "</summary>",
            "",
            _sites(sites, SITES_SHOWN if limit else None),
            "",
            "</details>",
            "",
            f"Example from {code(group.example_site)}:",
            "",
            *fenced(render_unified(group.examples), "diff"),
            "",
        ]
        blocks.append(block)
    return blocks


def _site_table(review: Review) -> list[str]:
    changed = [s for s in review.plan.sites if s.change is not Change.UNCHANGED]
    if not changed:
        return []
    out = [
        f"<details><summary>Per-site summary ({len(changed)} site(s))</summary>",
        "",
        "| site | change | platform | files | + | − |",
        "|---|---|---|---|---:|---:|",
    ]
    out += [
        f"| {code(s.site, in_table=True)} | {s.change.value} | {text(s.platform)} "
        f"| {', '.join(code(f, in_table=True) for f in s.files)} | {s.added_lines} | {s.removed_lines} |"
        for s in changed
    ]
    return [*out, "", "</details>", ""]


def _per_site_diffs(review: Review) -> list[str]:
    out = ["### Every site's config diff", ""]
    for s in review.plan.sites:
        if s.change is Change.UNCHANGED:
            continue
        out += [
            f"<details><summary>{html_text(s.site)}: {s.change.value} (+{s.added_lines} −{s.removed_lines})</summary>",
            "",
            *fenced(render_unified(s.hunks), "diff"),
            "</details>",
            "",
        ]
    return out


def to_markdown(review: Review, budget: int | None = COMMENT_BUDGET, artifact: str | None = None) -> str:
    """The PR comment (``budget`` characters at most), or the full report with ``budget=None``."""
    head = (
        _summary(review)
        + _intent_section(review, budget)
        + _secrets_section(review, budget)
        + _gate_section(review)
        + _why_section(review, budget)
    )
    blocks: list[tuple[str, list[list[str]]]] = []
    if review.grouping.groups:
        blocks.append(("### Config changes, grouped", _group_blocks(review.grouping, "Config change", budget)))
    if review.device is not None:
        device_blocks = _group_blocks(review.device.grouping, "Device change", budget)
        if review.device.unavailable:
            device_blocks.insert(
                0,
                [
                    "Not reachable: "
                    + "; ".join(f"{code(s)}: {text(r)}" for s, r in sorted(review.device.unavailable.items())),
                    "",
                ],
            )
        blocks.append(("### Device diffs (each device's own diff against its running config)", device_blocks))
    footer = [
        f"<sub>{text(review.mode)} · baseline: {text(review.plan.baseline)}"
        + (f" · full report: {code(artifact)}" if artifact else "")
        + "</sub>",
        "",
    ]
    out = list(head)
    used = _size(out) + _size(footer) + 400
    left_out: dict[str, int] = {}
    for title, items in blocks:
        if budget is not None and used + len(title) + 2 > budget:
            left_out[title] = len(items)
            continue
        out += [title, ""]
        used += len(title) + 2
        for index, block in enumerate(items):
            size = _size(block)
            if budget is not None and used + size > budget:
                left_out[title] = len(items) - index
                break
            out += block
            used += size
    if budget is None:
        out += _site_table(review) + _per_site_diffs(review)
    else:
        table = _site_table(review)
        if used + _size(table) <= budget:
            out += table
            used += _size(table)
        elif table:
            left_out["per-site summary"] = 1
    if left_out:
        where = f" ({code(artifact)})" if artifact else ""
        missing = ", ".join(f"{n} block(s) of {text(t.lstrip('# '))}" for t, n in left_out.items())
        out += [f"> Left out to stay under GitHub's comment limit: {missing}. See the full report{where}.", ""]
    return "\n".join(out + footer)


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)
