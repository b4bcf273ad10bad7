"""What the terminal shows lines up as a person sees it: Chinese characters take two columns."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transforms.followup.status_table import aligned, display_width

NAMES = st.text(alphabet="城关镇河东乡abc东街社区ＡＢ1", min_size=1, max_size=8)


@given(st.lists(st.tuples(NAMES, st.integers(0, 10**6), st.integers(0, 999)), min_size=1, max_size=6))
def test_status_columns_line_up_by_display_width(rows):
    lines = aligned(["乡镇", "名单户数", "逾期未反馈"], [list(r) for r in rows])
    assert len({display_width(line) for line in lines}) == 1  # every line as wide on screen
    for line, (name, listed, overdue) in zip(lines[1:], rows, strict=True):
        assert line.startswith(name) and line.endswith(str(overdue))
        assert line.split()[-2] == str(listed)


def test_display_width_counts_wide_characters_twice():
    assert display_width("城关镇") == 6 and display_width("abc") == 3 and display_width("ＡＢ") == 4
