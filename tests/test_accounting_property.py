"""Row accounting as a property: whatever mix of titles, blanks, footers, good, bad and
duplicate rows a file holds, rows read = accepted + rejected + duplicates + ignored, and each
kind is counted as what it is."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transforms.intake.cells import id_check_char
from transforms.intake.department import take_in_department

HEADER = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"


def _person(k: int) -> str:
    stem = f"431125{1950 + k % 50}0{1 + k % 9}1{k % 10}{k % 1000:03d}"
    return stem + id_check_char(stem)


def _good(k: int) -> str:
    return f"{_person(k)},某{k},肢体,{1 + k % 4},2020-01-0{1 + k % 9},是,否"


def _bad(k: int) -> str:
    return f"{_person(k)[:-1]}{'0' if _person(k)[-1] != '0' else '1'},某{k},肢体,五级,2020-01-01,是,否"


line_kinds = st.lists(st.sampled_from(["good", "bad", "dup", "blank"]), min_size=0, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=line_kinds,
    titles=st.integers(0, 3),
    footers=st.integers(0, 3),
    encoding=st.sampled_from(["utf-8", "gbk", "utf-8-sig"]),
)
def test_rows_add_up(tmp_path_factory, config, kinds, titles, footers, encoding):
    folder = tmp_path_factory.mktemp("inbox") / "残联"
    folder.mkdir()
    lines = [f"某县残疾人名册{i}" for i in range(titles)] + [HEADER]
    good_so_far: list[str] = []
    expected = {"accepted": 0, "rejected": 0, "duplicates": 0, "blank": 0}
    for i, kind in enumerate(kinds):
        if kind == "good" or (kind == "dup" and not good_so_far):
            lines.append(_good(i))
            good_so_far.append(lines[-1])
            expected["accepted"] += 1
        elif kind == "dup":
            lines.append(good_so_far[i % len(good_so_far)])
            expected["duplicates"] += 1
        elif kind == "bad":
            lines.append(_bad(i))
            expected["rejected"] += 1
        else:
            lines.append("")
            expected["blank"] += 1
    lines += ["合计,,,", "制表人：某某"][: min(footers, 2)] + ["审核人：某某"] * max(0, footers - 2)
    (folder / "a.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    intake = take_in_department("disability", [folder / "a.csv"], folder.parent, config)
    f = intake.files[0]
    assert f.rows_read == len(lines)
    assert f.rows_read == f.accepted + f.rejected + f.duplicates + f.ignored
    assert (f.accepted, f.rejected, f.duplicates) == (
        expected["accepted"],
        expected["rejected"],
        expected["duplicates"],
    )
    assert f.ignored_by_kind == {
        "title": titles,
        "header": 1,
        "footer": footers,
        "blank": expected["blank"],
        "notes": 0,
    }
    assert intake.rejects.height == expected["rejected"]
