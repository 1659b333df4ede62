"""Intent YAML is loaded within bounds (issue 11, classes 3 and 8): no input runs until killed,
grows memory without end or crashes the interpreter, and every refusal names its file and line.

The deep-nesting cases run in a child process: before the fix, libyaml's recursive composer
crashed the interpreter outright (SIGSEGV), which must not take the test run down with it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runbook_wan.model.yaml_source import LIMITS, Limits, _read_at_most, load_yaml, parse_yaml, read_limited

SRC = Path(__file__).resolve().parents[2] / "src"


def _problems(text: str, limits: Limits = LIMITS) -> list[str]:
    doc, problems = parse_yaml(text, "f.yaml", limits)
    assert doc is None or not [p for p in problems if p.severity.value == "error"] or problems
    return [p.format() for p in problems]


def _bomb(levels: int, fan: int = 10) -> str:
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * fan)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_stops_at_the_value_budget_quickly() -> None:
    start = time.monotonic()
    problems = _problems(_bomb(9))  # 10**9 values if expanded
    assert time.monotonic() - start < 5
    assert len(problems) == 1 and "alias bomb" in problems[0]
    assert problems[0].startswith("f.yaml:5:")  # l4 is the first line whose aliases cross 100,000


def test_a_merge_key_bomb_stops_at_the_value_budget() -> None:
    text = "a0: &a0 {x: 1, y: 2}\n" + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n" for i in range(1, 40))
    start = time.monotonic()
    problems = _problems(text)
    assert time.monotonic() - start < 5
    assert len(problems) == 1 and "merge keys here expand" in problems[0]


def test_a_small_legitimate_alias_and_merge_still_load() -> None:
    doc, problems = parse_yaml("base: &b {x: 1, y: 2}\nsite:\n  <<: *b\n  x: 3\nlist: [*b, *b]\n", "f.yaml")
    assert problems == []  # overriding a merged key is not a duplicate key
    assert doc is not None and doc.data["site"] == {"x": 3, "y": 2} and doc.data["list"] == [{"x": 1, "y": 2}] * 2


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: &a [*a]\n", 1), ("x: 1\nl:\n  - 1\n  - &a [2, *a]\n", 4), ("m: &m\n  k: *m\n", 2)],
)
def test_a_recursive_alias_is_an_error_at_its_line(text: str, line: int) -> None:
    problems = _problems(text)
    assert len(problems) == 1 and "recursive alias" in problems[0]
    assert problems[0].startswith(f"f.yaml:{line}")


def test_a_recursive_merge_is_an_error() -> None:
    (problem,) = _problems("a: &a {x: 1, <<: *a}\n")
    assert "recursive merge" in problem and problem.startswith("f.yaml:1")


def test_an_alias_in_a_list_is_located_at_its_own_line() -> None:
    doc, _ = parse_yaml("x: &x [1]\nl:\n  - 1\n  - *x\n", "f.yaml")
    assert doc is not None and doc.line_of(("l", 1)) == 4


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "a: " + "{b: " * 50_000 + "1" + "}" * 50_000 + "\n",
        "".join(" " * i + f"k{i}:\n" for i in range(1_000)) + " " * 1_000 + "v: 1\n",
        "a:\n" + "- " * 50_000 + "x\n",
    ],
    ids=["flow-lists", "flow-maps", "block-maps", "compact-lists"],
)
def test_deep_nesting_is_refused_at_its_line_without_crashing(text: str, tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text(text)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(SRC)!r})
        from pathlib import Path
        from runbook_wan.model.yaml_source import load_yaml
        doc, problems = load_yaml(Path({str(tmp_path / "deep.yaml")!r}), "deep.yaml")
        print(doc is None, [p.format() for p in problems])
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"crashed with {done.returncode}: {done.stderr[-500:]}"
    assert done.stdout.startswith("True ['deep.yaml:")
    assert "nest more than 32 levels" in done.stdout


def test_a_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("k: " + "x" * 2_000_000 + "\n")
    doc, problems = load_yaml(big, "big.yaml")
    assert doc is None and [p.code for p in problems] == ["file-size"]
    assert "at most 1048576" in problems[0].message


def test_a_file_holding_more_than_its_size_says_is_still_read_whole_and_still_bounded() -> None:
    """Files are read in a buffer of their size; one that holds more than that (it grew after the
    size was taken; procfs files say 0) is read on, up to the limit and no further."""
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    whole = status.read_bytes()
    with status.open("rb") as handle:
        assert _read_at_most(handle, 1024 * 1024).startswith(whole.split(b"\n", 1)[0])
    with status.open("rb") as handle:
        assert len(_read_at_most(handle, 10)) == 10
    raw, problems = read_limited(status, "status", Limits(max_bytes=10))
    assert raw is None and [p.code for p in problems] == ["file-size"]


def test_a_file_is_read_whole_at_any_size_up_to_the_limit(tmp_path: Path) -> None:
    for size in (0, 1, 4095, 4096, 4097, 70_000, 1024 * 1024):
        path = tmp_path / f"f{size}.yaml"
        path.write_bytes(b"x" * size)
        assert read_limited(path, path.name) == (b"x" * size, [])


def test_limits_are_parameters() -> None:
    assert _problems("a: [[[1]]]\n", Limits(max_depth=3))  # root mapping + 3 lists
    assert not _problems("a: [[1]]\n", Limits(max_depth=3))
    assert _problems("a: [1, 2, 3, 4]\n", Limits(max_values=4))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"site: tst-001\nname: Caf\xe9 store\n", "f.yaml:2: byte 0xe9 at column 10 is not UTF-8 (the file looks"),
        (b"site: tst-001\n\nname: a\x00b\n", "f.yaml:3: a NUL byte (U+0000) at column 8"),
        (b"a: 1\nb: \x1b[31mred\n", "f.yaml:2: a control character (U+001B) at column 4"),
    ],
)
def test_encoding_problems_are_reported_by_line_and_column(raw: bytes, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(raw)
    doc, problems = load_yaml(path, "f.yaml")
    assert doc is None
    assert len(problems) == 1 and problems[0].format().startswith(expected), problems[0].format()


def test_a_utf8_file_with_a_bom_and_crlf_line_ends_loads(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: two\r\n")
    doc, problems = load_yaml(path, "f.yaml")
    assert problems == [] and doc is not None and doc.data == {"a": 1, "b": "two"}
