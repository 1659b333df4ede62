#!/usr/bin/env python3
"""(Re)write the expected ``.log`` of error cases from what `render`, `validate` and `plan` print now.

Usage::

    python tests/errors/regen.py               # every case
    python tests/errors/regen.py 'ref-*' x     # cases whose name matches a glob
    python tests/errors/regen.py --check       # write nothing; list cases whose output changed
    python tests/errors/regen.py --show case   # write nothing; print what the case prints now

Cases are those of tests/errors and of the day-2 corpus, tests/bad_input/day2/golden (same layout).

It also rewrites the case table of docs/errors.md. After regenerating, REVIEW THE GIT DIFF of
``tests/errors/*.log`` before committing: every changed line is a message users will see
differently. A changed message is a user-visible change; say so in the commit message. The script
refuses to write a log when a command did not exit with 1, wrote to configs/, printed a
traceback or printed a case's ``never-print`` secret.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from error_corpus import CORPORA, DOCS, REPO, Case, Outcome, discover, leaks, run, with_index


def _refusals(case: Case, outcome: Outcome) -> list[str]:
    why = []
    for each in outcome.runs:
        if each.exit_code != 1:
            why.append(f"{each.command}: exit code {each.exit_code}, expected 1")
        if each.configs_after != each.configs_before:
            why.append(f"{each.command}: configs/ was modified")
        if "Traceback" in each.stdout + each.stderr:
            why.append(f"{each.command}: printed a traceback")
    if leaks(case, outcome):
        why.append("a never-print secret appears in the output")
    return why


def _update_docs(check: bool) -> bool:
    """Rewrite the case table of docs/errors.md (unless ``check``); True when it changed."""
    current = DOCS.read_text(encoding="utf-8")
    updated = current
    for folder, begin, end in CORPORA:
        updated = with_index(updated, discover(folder), begin, end)
    if updated == current:
        return False
    print(f"{'differs' if check else 'updated'}: case table in {DOCS.relative_to(REPO)}")
    if not check:
        DOCS.write_text(updated, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("patterns", nargs="*", help="case names or globs (default: all)")
    parser.add_argument("--check", action="store_true", help="only report cases whose output changed")
    parser.add_argument("--show", action="store_true", help="print each case's output; write nothing")
    args = parser.parse_args(argv)
    every = [case for folder, _begin, _end in CORPORA for case in discover(folder)]
    cases = [c for c in every if not args.patterns or any(fnmatch.fnmatch(c.name, p) for p in args.patterns)]
    if not cases:
        print("no case matches", file=sys.stderr)
        return 1
    problems = changed = 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix=f"rb-err-{case.name}-") as tmp:
            outcome = run(case, Path(tmp))
        if args.show:
            exits = ", ".join(f"{each.command} {each.exit_code}" for each in outcome.runs)
            print(f"=== {case.name} (exit {exits})\n{outcome.log}")
            continue
        why = _refusals(case, outcome)
        if why:
            problems += 1
            print(f"REFUSED {case.name}: {'; '.join(why)}\n{outcome.log}", file=sys.stderr)
            continue
        old = case.log.read_text(encoding="utf-8") if case.log.is_file() else None
        if old == outcome.log:
            continue
        changed += 1
        print(f"{'changed' if old is not None else 'new'}: {case.log.relative_to(REPO)}")
        if not args.check:
            case.log.write_text(outcome.log, encoding="utf-8")
    if not args.show and _update_docs(args.check):
        changed += 1
    verb = "differ" if args.check else "rewritten"
    print(
        f"{len(cases)} case(s); {changed} file(s) {verb}, {problems} refused; review `git diff tests/errors docs`",
        file=sys.stderr,
    )
    return 1 if problems or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
