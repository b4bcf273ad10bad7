"""Mistyped identity numbers, end to end: the sample county's planted typos and swaps (both
kinds: failing and passing the check character, on every dataset that can raise a warning),
outsiders one digit from a roster person and namesakes in one village, run through the real
flow; the county office's workbook filled in with openpyxl and returned through the real
read-returns flow; the quarter rerun. Recall and wrong recommendations asserted as numbers, and
the rerun compared with a run of the same county whose clerks typed the numbers right."""

from __future__ import annotations

import json
import shutil

import openpyxl
import polars as pl
import pytest

from transforms.sample_county import generate_sample_county
from transforms.settings import DataRoot

from .conftest import Q2, Q3

pytestmark = pytest.mark.slow
KEY = ["file", "sheet", "row_number"]


def _planted(root, name: str, q=Q3) -> pl.DataFrame:
    frame = pl.read_csv(
        root / "planted" / str(q) / name,
        schema_overrides={"sheet": pl.String, "id_as_written": pl.String, "intended_id": pl.String},
    )
    return frame.with_columns(pl.col("sheet").fill_null(""))


def _suggestions(root, q=Q3) -> pl.DataFrame:
    frame = pl.read_parquet(DataRoot(root).out(q) / "id_suggestions.parquet")
    return frame.with_columns(pl.col("sheet").fill_null(""))


def test_planted_mistyped_numbers_get_the_intended_person_and_nothing_wrong_is_recommended(sample_root, sample_run):
    suggestions = _suggestions(sample_root)
    typos = _planted(sample_root, "typos.csv")
    recommended = suggestions.filter("recommended")
    assert recommended.group_by(KEY).len()["len"].max() == 1  # at most one recommended a row
    mistyped = typos.filter(pl.col("kind") != "near_outsider")
    assert mistyped["kind"].value_counts().sort("kind")["count"].to_list() == [16, 16]  # fails / passes check
    got = mistyped.join(recommended, on=KEY, how="left")
    recall = (got["suggested_id_number"] == got["intended_id"]).sum() / mistyped.height
    assert recall >= 0.95, recall
    # Every recommendation is right: the planted typo's person, or — for the planted rows whose
    # check character alone was changed — the person with the same first 17 digits. Rows of
    # genuine outsiders (NEW_CANDIDATE) and the near-number outsiders get none.
    others = recommended.join(typos, on=KEY, how="anti")
    check_only = _planted(sample_root, "bad_rows.csv").filter(pl.col("reason_code") == "id_check_digit")
    assert others.join(check_only, on=KEY, how="anti").height == 0
    assert (others["id_as_written"].str.slice(0, 17) == others["suggested_id_number"].str.slice(0, 17)).all()
    wrong = got.filter(
        pl.col("suggested_id_number").is_not_null() & (pl.col("suggested_id_number") != pl.col("intended_id"))
    )
    assert wrong.height == 0
    near = typos.filter(pl.col("kind") == "near_outsider").join(suggestions, on=KEY, how="inner")
    assert near.filter("recommended").height == 0
    # Every stranger's row is searched, not only those behind a warning: a grade-三级 certificate
    # under a valid wrong number raises nothing for anyone, and is recommended as its person.
    silent = got.filter(pl.col("origin") == "stranger")
    assert silent.height > 0 and (silent["suggested_id_number"] == silent["intended_id"]).all()
    assert set(suggestions["origin"]) <= {"rejected", "new_candidate", "stranger"}
    # Whether a stranger's number has other rows in its extract (a genuine stranger's recurs) is said.
    valid = suggestions.filter(pl.col("origin") != "rejected")["agreement"]
    assert valid.str.contains("该号码本季度在该数据中(仅此一行|另有多行记录)").all()
    # Explained in Chinese, with the probability and a stable number.
    swap = suggestions.filter(pl.col("agreement").str.contains("顺序颠倒"))
    assert swap.height > 0
    assert suggestions["agreement"].str.contains("姓名").all()
    assert suggestions["suggestion_id"].str.contains(r"^2026Q3-ID-\d{6}$").all()
    assert suggestions["suggestion_id"].n_unique() == suggestions.height
    assert ((suggestions["match_probability"] >= 0) & (suggestions["match_probability"] <= 1)).all()
    # A row is at most one person: its candidates' row probabilities add up to at most 1, and
    # the recommended one has at least the county's threshold of it.
    assert (suggestions["row_probability"] <= suggestions["match_probability"] + 1e-4).all()
    assert suggestions.group_by(KEY).agg(pl.col("row_probability").sum())["row_probability"].max() <= 1 + 1e-3
    assert (recommended["row_probability"] >= 0.95).all()


def _fill(root, answers: dict[str, str], q=Q3) -> None:
    """The county office fills in its workbook (确认结果, 确认人) and returns it renamed."""
    path = DataRoot(root).out(q) / "quality" / "身份证号疑似录错_建议.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    header = {c.value: c.column for c in ws[3] if c.value}
    for r in range(4, ws.max_row + 1):
        number = ws.cell(r, header["建议编号"]).value
        if number in answers:
            ws.cell(r, header["确认结果"]).value = f" {answers[number]} "  # stray spaces, as people type
            ws.cell(r, header["确认人"]).value = "县乡村振兴局 王科长"
    target = root / "returns" / str(q) / "县级" / "身份证号核对（已确认）.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)


def _warnings(root) -> pl.DataFrame:
    return pl.read_parquet(DataRoot(root).out(Q3) / "warnings.parquet")


def _keys(frame: pl.DataFrame) -> set[tuple]:
    return set(frame.select("rule_id", "household_id", "id_number").iter_rows())


@pytest.fixture(scope="module")
def truth(tmp_path_factory, prefect_api):
    """The same county, its clerks having typed every number right."""
    from flows.quarterly_run import quarterly_run

    root = tmp_path_factory.mktemp("typed_right")
    generate_sample_county(root, [Q2, Q3], mistyped=False)
    for q in (Q2, Q3):
        quarterly_run(str(root), str(q))
    return root


def test_confirmed_corrections_recover_the_warnings_and_denials_are_not_suggested_again(
    tmp_path, sample_root, sample_run, truth
):
    from flows.quarterly_run import quarterly_run
    from flows.read_returns import read_returns

    root = tmp_path / "county"
    shutil.copytree(sample_root, root, ignore=shutil.ignore_patterns("out", "warehouse.duckdb*", ".work", "returns"))
    shutil.copytree(sample_root / "out", root / "out", symlinks=True)
    shutil.copy(sample_root / "warehouse.duckdb", root / "warehouse.duckdb")
    before = _warnings(root)
    # The office confirms each quarter's planted suggestions (是本人) and denies one (不是本人);
    # read-returns records them.
    confirmed_written = set()
    for q in (Q2, Q3):
        typos = _planted(root, "typos.csv", q)
        planted = (
            _suggestions(root, q).filter("recommended").join(typos.filter(pl.col("kind") != "near_outsider"), on=KEY)
        )
        denied = planted.sort("suggestion_id")["suggestion_id"][0]
        answers = {n: "是本人" for n in planted["suggestion_id"]} | {denied: "不是本人"}
        confirmed_written |= set(planted.filter(pl.col("suggestion_id") != denied)["id_as_written"])
        _fill(root, answers, q)
        read_returns(str(root), str(q), "2026-12-31")
        returned = json.loads((root / "followup" / str(q) / "manifest.json").read_text(encoding="utf-8"))
        [account] = returned["returned_files"]
        assert (account["kind"], account["applied"], account["rejected"]) == ("identity", len(answers), 0)
        assert account["rows_read"] == account["applied"] + account["unanswered"] + account["ignored"]
    # The rerun of 2026Q3 alone: 2026Q2's claims count for the confirmed persons in the
    # year-to-date sums, those accepted under the wrong number and those rejected for it alike.
    quarterly_run(str(root), str(Q3))
    after = _warnings(root)
    expected = _warnings(truth)
    # What the corrections should bring back: the warnings of the right-typed county that the
    # mistyped one lacked (the strangers' NEW_CANDIDATE warnings go the other way).
    should = _keys(expected) - _keys(before)
    recovered = should & _keys(after)
    denied_row = planted.filter(pl.col("suggestion_id") == denied)
    assert len(should) > 10
    assert len(recovered) / len(should) >= 0.9, (len(recovered), len(should))
    # Nothing else changes: every warning of the rerun is one of the mistyped run's or one the
    # right-typed county has; what went away are strangers' NEW_CANDIDATEs.
    assert _keys(after) - _keys(before) <= _keys(expected)
    keys = ["rule_id", "household_id", "id_number"]
    gone = before.join(after.select(keys), on=keys, how="anti", nulls_equal=True)
    assert set(gone["rule_id"]) <= {"NEW_CANDIDATE"}
    confirmed_strangers = planted.filter((pl.col("origin") == "new_candidate") & (pl.col("suggestion_id") != denied))
    assert set(confirmed_strangers["id_as_written"]) <= set(gone["id_number"]) <= confirmed_written
    # Provenance: the recovered warnings say so, and only they.
    fixed = after.filter("id_corrected")
    assert fixed.height > 0
    assert fixed["evidence"].str.ends_with("（身份证号经县级确认更正）").all()
    assert _keys(fixed) <= should | (_keys(before) & _keys(fixed))
    assert not after.filter(~pl.col("id_corrected"))["evidence"].str.contains("县级确认更正").any()
    # The confirmed rows are no longer rejected; the denied suggestion is not made again.
    rerun = _suggestions(root)
    confirmed = planted.filter(pl.col("suggestion_id") != denied)
    assert confirmed.select(KEY).join(rerun, on=KEY, how="inner").height == 0
    assert rerun.join(denied_row.select(*KEY, "suggested_id_number"), on=[*KEY, "suggested_id_number"]).height == 0
    rejects = pl.read_parquet(DataRoot(root).out(Q3) / "rejects.parquet").with_columns(pl.col("sheet").fill_null(""))
    assert confirmed.filter(pl.col("origin") == "rejected").select(KEY).join(rejects, on=KEY, how="inner").height == 0


def _civil_intake(tmp_path, config, lines: list[str], corrections: pl.DataFrame | None):
    from transforms.intake.department import take_in_department

    folder = tmp_path / "inbox" / "民政局"
    folder.mkdir(parents=True)
    header = "身份证号,姓名,乡镇,村（社区）,救助类型,保障状态,起始日期,终止日期,金额（元）"
    (folder / "a.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return take_in_department("civil", [folder / "a.csv"], tmp_path / "inbox", config, corrections=corrections)


def test_a_confirmed_correction_is_matched_on_the_number_as_written_and_the_name(tmp_path, config):
    from transforms.intake.cells import id_check_char

    person = "43112519620127301" + id_check_char("43112519620127301")
    swapped = "43112519620127031" + person[17]  # 15th and 16th digits swapped: fails the check character
    stranger = "43112519620127302" + id_check_char("43112519620127302")  # valid, nobody's; written in 15 digits
    corrections = pl.DataFrame(
        {
            "id_as_written": [swapped, stranger],
            "name_as_written": ["冯霞", "王伟"],
            "corrected_id": [person, person],
        }
    )
    row = "城关镇,南门村,临时救助,停保,2026-07-15,2026-07-15,2000"
    lines = [
        f"{swapped},冯 霞,{row}",  # a space in the name: still the confirmed row
        f"{swapped},冯霞霞,{row}",  # another name: not this correction, rejected as before
        "431125620127302,王伟,城关镇,南门村,临时救助,停保,2026-08-01,2026-08-01,3000",  # 15 digits
        f"{stranger},张三,城关镇,南门村,临时救助,停保,2026-09-01,2026-09-01,1000",  # the number alone is not enough
    ]
    intake = _civil_intake(tmp_path, config, lines, corrections)
    accepted = intake.accepted["civil__assistance"]
    assert sorted(accepted["id_number"].to_list()) == sorted([person, person, stranger])
    assert intake.rejects["row_number"].to_list() == [3]
    assert intake.rejects["id_problem"].to_list() == ["id_check_digit"]
    assert sorted(intake.corrected["source_row"].to_list()) == [2, 4]
    assert set(intake.corrected["id_number"]) == {person}
    [report] = intake.files
    assert report.rows_read == report.accepted + report.rejected + report.duplicates + report.ignored
    # The rejected row is parked with its number as written, for a later confirmation.
    parked = intake.parked["civil__assistance"]
    assert parked.select("id_number", "name", "source_row").rows() == [(swapped, "冯霞霞", 3)]
    # Without corrections the same file rejects the mistyped rows and keeps the 15-digit stranger;
    # a mistyped row with another problem too (an amount) is rejected, never parked.
    plain = _civil_intake(tmp_path / "plain", config, [*lines, f"{swapped},冯霞,{row[:-4]}两千"], None)
    assert sorted(plain.rejects["row_number"].to_list()) == [2, 3, 6] and plain.corrected.is_empty()
    assert sorted(plain.parked["civil__assistance"]["source_row"].to_list()) == [2, 3]
    assert plain.accepted["civil__assistance"]["id_number"].to_list().count(stranger) == 2


def test_no_person_twice_while_a_recommendation_waits(sample_root, sample_run):
    """One person, one row, one visit: a stranger whose recommended suggestion waits for the
    county office is in no town list and not on the county office's list; the roster person's
    household row names the same 建议编号 (and is listed even if it had no row); a rejected row
    with a recommended suggestion names its 建议编号 in 退回原因; the suggestions workbook has them all."""
    out = DataRoot(sample_root).out(Q3)
    suggestions = _suggestions(sample_root).filter(pl.col("recommended"))
    warnings = pl.read_parquet(out / "warnings.parquet")
    strangers = warnings.filter(pl.col("pending_suggestion").is_not_null())
    assert strangers.height > 0 and not strangers["listed"].any()
    assert set(strangers["pending_suggestion"]) <= set(suggestions["suggestion_id"])
    listed_rows = {}  # 预警依据 by 户编号, over every town list
    for path in (out / "towns").rglob("*_预警名单.xlsx"):
        ws = openpyxl.load_workbook(path)["名单"]
        header = [c.value for c in ws[3]]
        for r in ws.iter_rows(min_row=4, values_only=True):
            listed_rows[r[header.index("户编号")] or r[header.index("预警编号")]] = r[header.index("预警依据")]
            assert r[header.index("户编号")] or r[header.index("预警编号")]
    county = out / "county" / "2026Q3_县级_乡镇不明人员名单.xlsx"
    county_ids = {r[3] for r in openpyxl.load_workbook(county).active.iter_rows(min_row=4, values_only=True)}
    by_id = suggestions.filter(pl.col("origin") == "new_candidate").unique("id_as_written", keep="first")
    for stranger in strangers.iter_rows(named=True):
        assert stranger["id_number"] not in county_ids
        household = by_id.filter(pl.col("id_as_written") == stranger["id_number"])["suggested_household_id"][0]
        assert f"建议编号 {stranger['pending_suggestion']}" in listed_rows[household]
    rejects = pl.read_parquet(out / "rejects.parquet").with_columns(pl.col("sheet").fill_null(""))
    rejected = suggestions.filter(pl.col("origin") == "rejected").join(rejects, on=["department", *KEY])
    assert rejected.height > 0
    for r in rejected.iter_rows(named=True):
        assert f"（建议编号 {r['suggestion_id']}）" in r["reason"]
