"""Fast tests that meet deliver, linkage and followup on small frames and an in-memory DuckDB —
the end-to-end runs (tests/test_lists.py, test_followup.py, test_id_suggestions.py) stay, these
say what each piece does on its own."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from schemas.outputs import HOUSEHOLD_COLUMNS, WARNING_COLUMNS
from transforms.config_files import ExcelLayout
from transforms.deliver.lists import assign_listing_numbers, town_list_rows
from transforms.followup.status import latest_answers, record_answers
from transforms.followup.views import loop_counts
from transforms.linkage.rows import rejected_rows
from transforms.linkage.suggestions import explain
from transforms.settings import sql_dir
from transforms.staging.warehouse import connect

HEAD_A, WIFE_A, HEAD_B = "431125198001011234", "431125198202021236", "431125197003031230"
STRANGER = "431125199004041232"


def _warning(**values) -> dict:
    row = dict.fromkeys(WARNING_COLUMNS)
    return row | {"quarter": "2026Q3", "status": "新增", "listed": True, "id_corrected": False} | values


def _frames():
    warnings = pl.DataFrame(
        [
            _warning(rule_id="DIS_NEW", household_id="H-A", id_number=WIFE_A, town="城关镇", village="东街",
                     cause="disability", department="disability", evidence="2026-08-01新办残疾人证（二级）"),
            _warning(rule_id="HOU_UNSAFE", household_id="H-B", town="河东镇", village="河口", cause="housing",
                     department="housing", evidence="住房安全等级C级，未改造", status="持续"),
            _warning(rule_id="NEW_CANDIDATE", id_number=STRANGER, town="城关镇", village="西街", cause="illness",
                     department="county", evidence="2026年1–9月医疗个人自付23,000.00元"),
            _warning(rule_id="EDU_NO_AID", household_id="H-B", id_number=HEAD_B, town="河东镇", village="河口",
                     cause="schooling", department="education", evidence="不属实，依据未变", listed=False),
        ],
        schema={c: pl.Boolean if c in ("listed", "id_corrected") else pl.String for c in WARNING_COLUMNS},
    )  # fmt: skip
    households = pl.DataFrame(
        [
            {"quarter": "2026Q3", "household_id": "H-A", "town": "城关镇", "village": "东街", "household_type": "监测户",
             "colour": "red", "rule_ids": ["DIS_NEW"], "causes": ["disability"], "members": 3},
            {"quarter": "2026Q3", "household_id": "H-B", "town": "河东镇", "village": "河口", "household_type": "脱贫户",
             "colour": "yellow", "rule_ids": ["HOU_UNSAFE"], "causes": ["housing"], "members": 2},
        ]
    ).select(HOUSEHOLD_COLUMNS)  # fmt: skip
    people = pl.DataFrame(
        {
            "id_number": [HEAD_A, WIFE_A, HEAD_B, STRANGER],
            "name": ["张大山", "李秀英", "王老五", "赵六"],
            "household_id": ["H-A", "H-A", "H-B", None],
            "relation": ["户主", "配偶", "户主", None],
        }
    )
    return warnings, households, people


def test_each_town_receives_its_own_rows_masked_and_in_working_order(config):
    warnings, households, people = _frames()
    towns = town_list_rows(warnings, households, people, config, ExcelLayout.load().colours, date(2026, 10, 16))
    assert set(towns) == {"城关镇", "河东镇"}
    town = towns["城关镇"]
    assert town["_subject"].to_list() == ["H-A", STRANGER]  # the household (red), then the stranger
    household = town.row(0, named=True)
    assert household["name"] == "张大山" and household["id_masked"] == "431125********1234"
    assert household["evidence"] == "李秀英：2026-08-01新办残疾人证（二级）"  # the member the warning is on
    assert household["colour"] == "红色" and household["rules"] == "本季度新办残疾人证"
    assert household["departments"] == "残联" and household["deadline"] == "2026-10-16"
    stranger = town.row(1, named=True)
    assert stranger["household_type"] == "非监测对象（疑似新致贫）" and stranger["id_masked"].startswith("431125")
    published = [c.key for c in ExcelLayout.load().town_list.columns]  # what the workbook shows
    assert STRANGER not in "".join(str(v) for v in town.select(c for c in published if c in town.columns).row(1))
    other = towns["河东镇"].row(0, named=True)
    assert other["rules"] == "住房为C/D级危房未改造"  # the warning found 不属实 (not listed) is in no list
    assert "不属实" not in other["evidence"] and other["status"] == "持续"
    shown = [f.select(c for c in published if c in f.columns) for f in towns.values()]
    assert all(n not in str(v) for f in shown for v in f.iter_rows() for n in (HEAD_A, WIFE_A, HEAD_B, STRANGER))


def test_listing_numbers_are_kept_on_a_rerun_and_continue_for_new_rows(config):
    warnings, households, people = _frames()
    con = connect(None)
    colours = ExcelLayout.load().colours
    towns = town_list_rows(warnings, households, people, config, colours, date(2026, 10, 16))
    first = assign_listing_numbers(con, "2026Q3", towns)
    numbers = {r["_subject"]: r["listing_no"] for f in first.values() for r in f.iter_rows(named=True)}
    assert sorted(numbers.values()) == ["2026Q3-YJ-000001", "2026Q3-YJ-000002", "2026Q3-YJ-000003"]
    # a rerun in which household H-B has dropped out and a new stranger came
    again = warnings.filter(pl.col("household_id").ne_missing("H-B")).vstack(
        _frames()[0].filter(pl.col("rule_id") == "NEW_CANDIDATE").with_columns(pl.lit("431125199105051239").alias("id_number"))
    )  # fmt: skip
    rerun = assign_listing_numbers(con, "2026Q3", town_list_rows(again, households, people, config, colours,
                                                                 date(2026, 10, 16)))  # fmt: skip
    renumbered = {r["_subject"]: r["listing_no"] for f in rerun.values() for r in f.iter_rows(named=True)}
    assert renumbered["H-A"] == numbers["H-A"] and renumbered[STRANGER] == numbers[STRANGER]
    assert renumbered["431125199105051239"] == "2026Q3-YJ-000004"  # never a number given before


def test_only_rows_rejected_for_a_slip_are_searched():
    base = {"department": "civil", "dataset": "civil__assistance", "file": "a.csv", "sheet": None, "row_number": 2,
            "name_as_written": "李四", "town_as_written": "城关镇", "village_as_written": None}  # fmt: skip
    rejects = pl.DataFrame(
        [
            base | {"id_problem": "id_check_digit", "id_as_written": "43112519800101123X"},
            base | {"id_problem": "id_birth_date", "id_as_written": "431125198013011234", "row_number": 3},
            base
            | {"id_problem": "id_length", "id_as_written": "4311251980", "row_number": 4},  # unusable: not searched
            base | {"id_problem": "id_check_digit", "id_as_written": "43112519800101123X", "department": "roster"},
            base | {"id_problem": "id_check_digit", "id_as_written": "43112519800101123X", "name_as_written": None},
        ]
    )
    found = rejected_rows(rejects)
    assert found["row_number"].to_list() == [2, 3] and set(found["origin"]) == {"rejected"}


@pytest.mark.parametrize(
    ("written", "person", "says"),
    [
        ("431125198001011324", "431125198001011234", "第16、17位数字顺序颠倒，校验位相符"),
        ("431125198001011234", "431125198001011230", "仅校验位不同"),
        ("431125198001071234", "431125198001011230", "第14位数字不同，校验位不同"),
    ],
)
def test_a_suggestion_says_in_words_how_the_numbers_differ(written, person, says):
    row = {"id_as_written": written, "person_id": person, "name_as_written": "李四", "suggested_name": "李四",
           "town": None, "village": None, "suggested_town": "城关镇", "suggested_village": "东街"}  # fmt: skip
    text = explain(row)
    assert text.startswith(says) and "姓名" in text


def test_answers_are_appended_once_per_file_and_the_latest_is_in_force(tmp_path):
    con = connect(tmp_path / "warehouse.duckdb")

    def answers(value: str, on: date, row: int) -> pl.DataFrame:
        return pl.DataFrame(
            [{"kind": "verification", "key": "2026Q3-YJ-000001", "value": value, "answered_by": "张三",
              "answered_on": on, "remarks": None, "file": "城关镇.xlsx", "sheet": "名单", "row_number": row,
              "extras": "{}"}]
        )  # fmt: skip

    assert record_answers(con, "2026Q3", "a" * 64, answers("属实", date(2026, 10, 12), 4)) == 1
    assert record_answers(con, "2026Q3", "a" * 64, answers("属实", date(2026, 10, 12), 4)) == 0  # the same file
    assert record_answers(con, "2026Q3", "b" * 64, answers("不属实", date(2026, 10, 15), 4)) == 1  # a later answer
    assert record_answers(con, "2026Q3", "c" * 64, answers("风险已消除", date(2026, 10, 13), 4)) == 1  # dated before
    latest = latest_answers(con, "2026Q3")
    assert latest.height == 1 and latest["value"].item() == "不属实"
    assert (sql_dir() / "followup" / "latest_answers.sql").is_file()
    assert con.execute("select count(*) from returned_answers").fetchall() == [(3,)]  # nothing overwritten


def test_the_follow_up_counts_are_the_rows_counted():
    followup = pl.DataFrame(
        {
            "work_order": ["W1", "W1", "W2", None],
            "settlement": ["已办结", "已办结", None, None],
            "settlement_overdue": [False, False, True, False],
            "settlement_returned": [False, False, True, None],
        }
    )
    rows = pl.DataFrame(
        {
            "verification": ["属实", None, None],
            "verification_overdue": [False, True, False],
            "verification_returned": [False, False, True],
        }
    )
    counts = loop_counts(followup, rows)
    assert counts == {
        "warnings": 4, "listed": 3, "verified": 1, "verification_overdue": 1, "work_orders": 2, "settled": 1,
        "settlement_overdue": 1, "verification_returned": 1, "settlement_returned": 1,
    }  # fmt: skip


@pytest.mark.parametrize("with_date", [False, True])
def test_a_roster_with_or_without_its_monitoring_date_column_is_read(tmp_path, config, with_date):
    """纳入监测时间 is optional (contract): a roster exported without the column is read whole, the
    date empty; with it (识别时间 is the same column), the date is read."""
    from transforms.intake.department import take_in_department

    header = "户编号,证件号码,姓名,与户主关系,乡镇（街道）,行政村（社区）,户类型,监测对象类别,风险是否消除,家庭人口数,家庭人均纯收入（元）,劳动技能,主要风险类型"
    from transforms.intake.cells import id_check_char

    person = "43112519800101123" + id_check_char("43112519800101123")
    row = f"H-A,{person},张大山,户主,城关镇,东街,监测户,边缘易致贫户,否,1,8000,普通劳动力,因病"
    if with_date:
        header, row = header + ",识别时间", row + ",2025年3月1日"
    folder = tmp_path / "inbox" / "监测对象名册"
    folder.mkdir(parents=True)
    (folder / "名册.csv").write_text(header + "\n" + row + "\n", encoding="utf-8")
    intake = take_in_department("roster", sorted(folder.iterdir()), tmp_path / "inbox", config)
    accepted = intake.accepted["roster__persons"]
    assert intake.rejects.height == 0 and accepted.height == 1
    assert accepted["monitored_since"].to_list() == [date(2025, 3, 1) if with_date else None]
