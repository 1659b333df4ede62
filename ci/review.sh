#!/usr/bin/env bash
# Review a change (a pull/merge request) against its base branch: the one script CI calls.
#
#   ci/review.sh BASE_REF [OUT_DIR]        e.g. ci/review.sh origin/main review
#
# Run from the repository root (the workspace with intents/ and configs/), with the base ref fetched.
# Steps, all of them run, each reported:
#   1. generated files are up to date: configs/ (and monitoring/, docs/sites/ when committed) equal
#      what the intents render to; a PR that forgot to re-render fails with the command to run;
#   2. validate --against BASE_REF, SARIF for code-scanning annotations on the intent lines
#      (with the twin survivability proof of the touched sites when the runner is root);
#   3. plan --against BASE_REF: the PR comment (OUT_DIR/comment.md, under GitHub's limit) and the
#      full report (OUT_DIR/review-full.md, the artifact);
#   4. the blast-radius gate (estate.change_policy).
# Exit: 0 fine, 1 stale generated files / validation error / twin failure, 7 the change is wider than
# the gate allows. Environment:
#   RUNBOOK                    how to call Runbook (default: python3 runbook.py if present, else runbook-wan)
#   RUNBOOK_ALLOW_WIDE_CHANGE  a reason: accept a wide change (e.g. set from an approved PR label)
#   RUNBOOK_REVIEW_TWIN        0 to skip the twin proof even as root
#   RUNBOOK_REVIEW_TWIN_SCENARIOS  space-separated twin scenarios to run (default: all; see
#                              `runbook.py validate --help`, --scenario)
set -uo pipefail

if [ $# -lt 1 ] || [ -z "$1" ]; then
    echo "usage: ci/review.sh BASE_REF [OUT_DIR]" >&2
    exit 1
fi
base=$1
out=${2:-review}
if [ -n "${RUNBOOK:-}" ]; then
    read -r -a rb <<<"$RUNBOOK"
elif [ -f runbook.py ]; then
    rb=(python3 runbook.py)
else
    rb=(runbook-wan)
fi
if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "error: base ref '$base' not found; fetch it first (e.g. git fetch origin main, or fetch-depth: 0)" >&2
    exit 1
fi
mkdir -p "$out"
allow=()
if [ -n "${RUNBOOK_ALLOW_WIDE_CHANGE:-}" ]; then
    allow=(--allow-wide-change "$RUNBOOK_ALLOW_WIDE_CHANGE")
fi

# -- 1. generated files up to date ------------------------------------------------------------------
generated=(configs)
regen="${rb[*]} render"
for folder in monitoring docs/sites; do
    if [ -n "$(git ls-files -- "$folder" | head -n 1)" ]; then
        generated+=("$folder")
    fi
done
fresh=ok
if ! "${rb[@]}" render >"$out/render.log" 2>&1; then
    fresh=error
fi
if [[ " ${generated[*]} " == *" docs/sites "* ]]; then
    regen="$regen && ${rb[*]} docs"
    "${rb[@]}" docs >>"$out/render.log" 2>&1 || fresh=error
fi
# The build cache (configs/.render-cache.jsonl) is not an output: render rewrites it when Runbook's code changed.
stale=$(git status --porcelain --untracked-files=all -- "${generated[@]}" ':(exclude)configs/.render-cache.jsonl')
if [ "$fresh" = error ]; then
    echo "::error::the intents do not render; see $out/render.log"
    cat "$out/render.log" >&2
elif [ -n "$stale" ]; then
    fresh=stale
    echo "::error::${generated[*]} not up to date with intents/: run \`$regen\` and commit the result"
    echo "$stale" | head -n 20
fi

# -- 2. validate against the base (SARIF), with the twin proof as root ------------------------------
twin=()
twin_state="skipped (not root)"
if [ "$(id -u)" = 0 ] && [ "${RUNBOOK_REVIEW_TWIN:-1}" != 0 ]; then
    twin=(--twin)
    twin_state="run"
    for scenario in ${RUNBOOK_REVIEW_TWIN_SCENARIOS:-}; do
        twin+=(--scenario "$scenario")
    done
elif [ "${RUNBOOK_REVIEW_TWIN:-1}" = 0 ]; then
    twin_state="skipped (RUNBOOK_REVIEW_TWIN=0)"
fi
"${rb[@]}" validate --against "$base" "${twin[@]}" "${allow[@]}" --sarif "$out/validate.sarif" \
    --format markdown >"$out/validate.md" 2>"$out/validate.log"
validate=$?

# -- 3. plan against the base: PR comment and full report ----------------------------------------------
"${rb[@]}" plan --against "$base" "${allow[@]}" --format markdown --report "$out/review-full.md" \
    >"$out/plan.md" 2>"$out/plan.log"
plan=$?

mark() { if [ "$1" = 0 ]; then echo "✅"; else echo "❌"; fi; }
{
    echo "| check | result |"
    echo "|---|---|"
    case $fresh in
        ok) echo "| generated files (${generated[*]}) | ✅ up to date |" ;;
        stale) echo "| generated files (${generated[*]}) | ❌ stale: run \`$regen\` and commit |" ;;
        *) echo "| generated files | ❌ the intents do not render |" ;;
    esac
    case $validate in
        0) echo "| validate (SARIF: validate.sarif) | ✅ |" ;;
        7) echo "| validate (SARIF: validate.sarif) | ✅ no error; ❌ blast-radius gate |" ;;
        *) echo "| validate (SARIF: validate.sarif) | ❌ exit $validate |" ;;
    esac
    if [ "$twin_state" = run ]; then
        if [ $validate = 1 ]; then twin_state="run (see validate: a failure there may be the twin)"; else twin_state="✅ passed"; fi
    fi
    echo "| twin proof of the touched sites | $twin_state |"
    overridden=no
    if grep -q '\*\*overridden\*\*' "$out/plan.md"; then overridden=yes; fi
    case "$plan/$overridden" in
        0/yes | 2/yes) echo "| blast-radius gate | ⚠️ exceeded, overridden: ${RUNBOOK_ALLOW_WIDE_CHANGE:-} |" ;;
        0/* | 2/*) echo "| blast-radius gate | ✅ within |" ;;
        7/*) echo "| blast-radius gate | ❌ exceeded |" ;;
        *) echo "| plan | ❌ exit $plan |" ;;
    esac
    echo
    cat "$out/plan.md"
} >"$out/comment.md"

echo "review: generated=$fresh validate=$validate plan=$plan; comment: $out/comment.md, report: $out/review-full.md"
if [ "$fresh" != ok ] || [ $validate = 1 ] || { [ $plan != 0 ] && [ $plan != 2 ] && [ $plan != 7 ]; }; then
    exit 1
fi
if [ $plan = 7 ] || [ $validate = 7 ]; then
    exit 7
fi
exit 0
