"""Each reject reason at and around its boundary, through a real CSV file and the department
intake (duplicates and key conflicts are settled across files there)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from transforms.intake.cells import id_check_char
from transforms.intake.department import take_in_department


def _id(stem: str) -> str:
    return stem + id_check_char(stem)


A, B, C = _id("43112519620127301"), _id("43112519880214002"), _id("43112520120305001")
SETTLEMENT_HEADER = "公民身份号码,姓名,结算日期,就诊类型,医疗总费用,政策范围内费用,基本医保统筹支付,大病保险支付,医疗救助支付,个人自付,定点医疗机构"


def _run(tmp_path: Path, config, department: str, folder: str, files: dict[str, str]):
    inbox = tmp_path / "inbox"
    for name, text in files.items():
        path = inbox / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    paths = sorted((inbox / folder).iterdir())
    return take_in_department(department, paths, inbox, config)


def _outcome(tmp_path, config, line: str) -> str | None:
    """The reason code a single settlement line gets, or None when it is accepted."""
    intake = _run(tmp_path, config, "medical", "医保局", {"a.csv": SETTLEMENT_HEADER + "\n" + line + "\n"})
    if intake.rejects.height:
        return intake.rejects["reason_code"][0]
    assert intake.accepted["medical__settlements"].height == 1
    return None


@pytest.mark.parametrize(
    "total,policy,expected",
    [("100.00", "100.00", None), ("100.00", "99.99", None), ("100.00", "100.01", "policy_cost_exceeds_total")],
)
def test_policy_cost_against_total(tmp_path, config, total, policy, expected):
    line = f"{A},王伟,2026-07-15,住院,{total},{policy},0,0,0,0,"
    assert _outcome(tmp_path, config, line) == expected


@pytest.mark.parametrize(
    "oop,expected", [("0", None), ("0.01", None), ("-0.01", "amount_negative"), ("一百", "amount_invalid")]
)
def test_out_of_pocket_sign(tmp_path, config, oop, expected):
    line = f"{A},王伟,2026-07-15,住院,100,90,0,0,0,{oop},"
    assert _outcome(tmp_path, config, line) == expected


@pytest.mark.parametrize(
    "visit,expected",
    [("住院", None), ("门诊", None), ("门诊慢特", None), ("急诊留观", "enum_invalid"), ("", "required_missing")],
)
def test_visit_type_values_and_aliases(tmp_path, config, visit, expected):
    line = f"{A},王伟,2026-07-15,{visit},100,90,0,0,0,10,"
    assert _outcome(tmp_path, config, line) == expected


def test_reason_names_the_clerks_own_header_in_chinese(tmp_path, config):
    header = SETTLEMENT_HEADER.replace("公民身份号码", "身份证号")
    text = header + "\n" + f"{A[:-1]}{'0' if A[-1] != '0' else '1'},王伟,2026-07-15,住院,100,90,0,0,0,10,\n"
    intake = _run(tmp_path, config, "medical", "医保局", {"a.csv": text})
    reject = intake.rejects.row(0, named=True)
    assert reject["column"] == "身份证号"
    assert "“身份证号”校验位不符" in reject["reason"]
    assert reject["row_number"] == 2


@pytest.mark.parametrize("size,expected", [("1", None), ("0", "integer_too_small"), ("1.5", "integer_invalid")])
def test_household_size_minimum(tmp_path, config, size, expected):
    header = "户编号,证件号码,姓名,与户主关系,乡镇（街道）,行政村（社区）,户类型,监测对象类别,风险是否消除,家庭人口数,家庭人均纯收入（元）"
    line = f"H1,{A},王伟,户主,城关镇,南门村,脱贫户,,,{size},6000"
    intake = _run(tmp_path, config, "roster", "名册", {"r.csv": header + "\n" + line + "\n"})
    got = intake.rejects["reason_code"][0] if intake.rejects.height else None
    assert got == expected


def test_monitoring_household_needs_a_type(tmp_path, config):
    header = "户编号,证件号码,姓名,与户主关系,乡镇（街道）,行政村（社区）,户类型,监测对象类别,风险是否消除,家庭人口数,家庭人均纯收入（元）"
    lines = [
        f"H1,{A},王伟,户主,城关镇,南门村,监测户,,否,1,6000",
        f"H2,{B},李芳,户主,城关镇,南门村,监测户,边缘易致贫户,否,1,6000",
    ]
    intake = _run(tmp_path, config, "roster", "名册", {"r.csv": "\n".join([header, *lines]) + "\n"})
    assert intake.rejects.select("row_number", "reason_code").rows() == [(2, "monitoring_type_missing")]
    assert intake.accepted["roster__persons"]["id_number"].to_list() == [B]


def test_duplicates_and_key_conflicts_across_files(tmp_path, config):
    header = "户编号,证件号码,姓名,与户主关系,乡镇（街道）,行政村（社区）,户类型,监测对象类别,风险是否消除,家庭人口数,家庭人均纯收入（元）"
    row_a = f"H1,{A},王伟,户主,城关镇,南门村,脱贫户,,,2,6000"
    row_b = f"H1,{B},李芳,配偶,城关镇,南门村,脱贫户,,,2,6000"
    row_a_again = f'H1,{A.lower()},王伟,户主,城关镇,南门村,脱贫户,,,2,"6,000.00元"'  # same after normalising
    row_a_other = f"H9,{A},王伟,户主,河东镇,柳树村,脱贫户,,,1,9000"  # same person, different content
    files = {
        "1.csv": "\n".join([header, row_a, row_b]) + "\n",
        "2.csv": "\n".join([header, row_a_again, row_a_other]) + "\n",
    }
    intake = _run(tmp_path, config, "roster", "名册", files)
    by_file = {f.path: f for f in intake.files}
    assert (by_file["1.csv"].accepted, by_file["1.csv"].duplicates, by_file["1.csv"].rejected) == (2, 0, 0)
    assert (by_file["2.csv"].accepted, by_file["2.csv"].duplicates, by_file["2.csv"].rejected) == (0, 1, 1)
    conflict = intake.rejects.row(0, named=True)
    assert (conflict["file"], conflict["row_number"], conflict["reason_code"]) == ("2.csv", 3, "key_conflict")
    assert "1.csv 第2行" in conflict["reason"]
    assert sorted(intake.accepted["roster__persons"]["id_number"].to_list()) == sorted([A, B])


def test_certificates_of_one_person_with_different_dates_are_history_not_conflicts(tmp_path, config):
    """Contract: the latest 发证日期 is the certificate, earlier rows are accepted as history;
    only the same 发证日期 with different contents is a conflict (the first row in file order kept)."""
    header = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"
    lines = [
        f"{A},王伟,听力,三级,2015-04-01,否,否",
        f"{A},王伟,精神,二级,2026-04-20,是,否",  # re-issued: accepted
        f"{B},李芳,肢体,四级,2020-01-01,是,否",
        f"{B},李芳,肢体,三级,2020-01-01,是,否",  # same date, other grade: a conflict
    ]
    intake = _run(tmp_path, config, "disability", "残联", {"c.csv": "\n".join([header, *lines]) + "\n"})
    accepted = intake.accepted["disability__certificates"]
    assert sorted(zip(accepted["id_number"], accepted["grade"], strict=True)) == [(A, "三级"), (A, "二级"), (B, "四级")]
    assert intake.rejects.select("row_number", "reason_code").rows() == [(5, "key_conflict")]
    assert "c.csv 第4行" in intake.rejects["reason"][0]
    # the conflicting row goes back with its cells, to correct or delete like any rejected row
    assert json.loads(intake.rejects["row_values"][0]) == {
        "身份证号": B, "姓名": "李芳", "残疾类别": "肢体", "残疾等级": "三级", "发证日期": "2020-01-01",
        "困难残疾人生活补贴": "是", "重度残疾人护理补贴": "否",
    }  # fmt: skip


def test_unknown_header_rejects_the_sheet_with_what_is_missing(tmp_path, config):
    text = "身份证号,姓名,金额\n" + f"{A},王伟,100\n{B},李芳,200\n"
    intake = _run(tmp_path, config, "medical", "医保局", {"x.csv": text})
    report = intake.files[0]
    # Without a header nothing can be told apart: every non-blank row goes back to the clerk.
    assert (report.rows_read, report.rejected, report.ignored) == (3, 3, 0)
    assert "参保状态" in report.error and report.path == "x.csv"
    assert "未能识别表头" in report.error
    assert set(intake.rejects["reason_code"]) == {"no_header"}
    assert intake.accepted == {}


def test_rejects_frame_matches_contract_columns(tmp_path, config):
    line = f"{A},王伟,2026-13-01,住院,100,90,0,0,0,10,"
    intake = _run(tmp_path, config, "medical", "医保局", {"a.csv": SETTLEMENT_HEADER + "\n" + line + "\n"})
    assert intake.rejects.columns[:10] == [
        "department",
        "dataset",
        "file",
        "sheet",
        "row_number",
        "column",
        "value",
        "reason",
        "reason_code",
        "row_values",
    ]
    row = intake.rejects.row(0, named=True)
    assert (row["column"], row["value"], row["reason_code"]) == ("结算日期", "2026-13-01", "date_invalid")
    assert pl.Series([row["row_values"]]).str.json_decode().to_list()[0]["结算日期"] == "2026-13-01"


def test_a_conflict_among_rows_kept_on_disk_comes_back_with_its_cells(tmp_path, config):
    """The same conflict when a big dataset's rows wait on disk (spilled): its cells fetched back."""
    from dataclasses import replace

    spilling = replace(config, reading=replace(config.reading, spill_rows=1))
    header = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"
    lines = [f"{B},李芳,肢体,四级,2020-01-01,是,否", f"{B},李芳,肢体,三级,2020-01-01,是,否"]
    folder = tmp_path / "inbox" / "残联"
    folder.mkdir(parents=True)
    (folder / "c.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    intake = take_in_department("disability", [folder / "c.csv"], tmp_path / "inbox", spilling, work_dir=work)
    assert not isinstance(intake.accepted["disability__certificates"], pl.DataFrame)  # (kept on disk)
    assert intake.rejects.select("row_number", "reason_code").rows() == [(3, "key_conflict")]
    assert json.loads(intake.rejects["row_values"][0])["残疾等级"] == "三级"
