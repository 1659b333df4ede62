#!/usr/bin/env python3
"""(Re)write the golden files under tests/golden/<case>/expected/ from what the pipeline produces now.

Usage::

    python tests/golden/regen.py                    # every case, every site it already has
    python tests/golden/regen.py eos ios            # only these cases
    python tests/golden/regen.py --add eos pdx-102  # add a site to a case (the case.yaml must exist)
    python tests/golden/regen.py --check            # write nothing; list files that would change

RULE: after regenerating, REVIEW THE GIT DIFF of tests/golden/ before committing. Every changed line
is a change to a device config (or to the facts behind it) that every site of that platform will
get; say so in the commit message. Never regenerate just to make a failing test pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from golden_cases import REPO, actual, discover


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--add", nargs=2, metavar=("CASE", "SITE"), help="add SITE to CASE")
    parser.add_argument("--check", action="store_true", help="write nothing; list files that would change")
    args = parser.parse_args(argv)
    cases = {c.name: c for c in discover()}
    wanted = [args.add[0]] if args.add else (args.cases or sorted(cases))
    unknown = [name for name in wanted if name not in cases]
    if unknown:
        print(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(sorted(cases))}", file=sys.stderr)
        return 1
    changed = 0
    for name in wanted:
        case = cases[name]
        sites = sorted({*case.sites(), args.add[1]}) if args.add else case.sites()
        for site, files in actual(case, sites).items():
            for rel, text in files.items():
                path = case.expected / rel
                if path.is_file() and path.read_text(encoding="utf-8") == text:
                    continue
                changed += 1
                print(f"{'would change' if args.check else 'wrote'} {path.relative_to(REPO)} ({site})")
                if not args.check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8", newline="\n")
    print(
        f"{changed} file(s) {'differ' if args.check else 'written'}; review `git diff tests/golden` before committing"
    )
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
