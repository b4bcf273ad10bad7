"""What hostile input showed (issue 10), each through real files: event dates after the
quarter's end, rejected rows that must never push a right row out, symbolic links, two columns
for one field."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import polars as pl
import pytest

from transforms.intake.cells import id_check_char
from transforms.intake.department import take_in_department
from transforms.intake.inbox import list_inbox
from transforms.settings import Quarter

Q3 = Quarter.parse("2026Q3")


def _id(stem: str) -> str:
    return stem + id_check_char(stem)


A, B = _id("43112519620127301"), _id("43112519880214002")

# One file per dataset with an event date: its header and a good row, with {date} for the event date.
EVENT_DATES = {
    "settled_on": ("医保局", "公民身份号码,姓名,结算日期,就诊类型,医疗总费用,政策范围内费用,个人自付", f"{A},王伟,{{date}},住院,100,90,10"),
    "start_date": ("民政局", "身份证号,姓名,救助类型,保障状态,起始日期,终止日期,金额（元）", f"{A},王伟,临时救助,在保,{{date}},,800"),
    "end_date": ("民政局", "身份证号,姓名,救助类型,保障状态,起始日期,终止日期,金额（元）", f"{A},王伟,农村低保,停保,2025-01-01,{{date}},500"),
    "appraised_on": ("住建局", "户主身份证号,户主姓名,鉴定等级,鉴定日期,改造状态,竣工日期", f"{A},王伟,D,{{date}},未改造,"),
    "completed_on": ("住建局", "户主身份证号,户主姓名,鉴定等级,鉴定日期,改造状态,竣工日期", f"{A},王伟,C,2026-01-05,已竣工,{{date}}"),
    "issued_on": ("残联", "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴", f"{A},王伟,肢体,二级,{{date}},是,否"),
}  # fmt: skip
DEPARTMENTS = {"医保局": "medical", "民政局": "civil", "住建局": "housing", "残联": "disability"}


def _intake(tmp_path: Path, config, folder: str, files: dict[str, str], quarter: Quarter | None = Q3):
    inbox = tmp_path / "inbox"
    for name, text in files.items():
        path = inbox / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    listing = list_inbox(inbox, config)
    department = DEPARTMENTS[folder]
    return take_in_department(
        department, listing.files[department], inbox, config, quarter=quarter, links=listing.links.get(department)
    )


@pytest.mark.parametrize("field", list(EVENT_DATES))
@pytest.mark.parametrize(
    "written,rejected",
    [("2026-09-30", False), ("2026-10-01", True), ("2027年1月13日", True), ("20261001", True), ("46296", True)],
)
def test_an_event_date_after_the_quarters_end_is_rejected(tmp_path, config, field, written, rejected):
    folder, header, row = EVENT_DATES[field]
    intake = _intake(tmp_path, config, folder, {"a.csv": f"{header}\n{row.format(date=written)}\n"})
    if not rejected:
        assert intake.rejects.height == 0, intake.rejects["reason"].to_list()
        return
    (reject,) = intake.rejects.iter_rows(named=True)
    assert reject["reason_code"] == "date_after_quarter_end"
    assert "日期晚于本季度末" in reject["reason"] and "2026-09-30" in reject["reason"]
    assert reject["value"] == written and reject["row_number"] == 2


def test_a_future_dated_certificate_never_pushes_the_genuine_one_out(tmp_path, config):
    header = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"
    future = f"{A},王伟,肢体,一级,2027-01-13,是,否"  # the next quarter's certificate, sent early
    genuine = f"{A},王伟,肢体,二级,2026-08-02,是,否"
    intake = _intake(tmp_path, config, "残联", {"a.csv": f"{header}\n{future}\n{genuine}\n"})
    accepted = intake.accepted["disability__certificates"]
    assert accepted.select("source_row", "grade").rows() == [(3, "二级")]
    assert intake.rejects.select("row_number", "reason_code").rows() == [(2, "date_after_quarter_end")]


@pytest.mark.parametrize(
    "bad",
    [
        f"{A},王伟,肢体,五级,2026-08-02,是,否",  # a value outside the contract
        f"{A[:-1]}{'0' if A[-1] != '0' else '1'},王伟,肢体,一级,2026-08-02,是,否",  # a wrong check digit
        f"{A},,肢体,一级,2026-08-02,是,否",  # a required cell empty
        f"{A},王伟,肢体,一级,2026-13-45,是,否",  # a date that does not exist
    ],
)
def test_a_rejected_row_never_decides_which_row_is_kept(tmp_path, config, bad):
    header = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"
    genuine = f"{A},王伟,肢体,二级,2026-08-02,是,否"
    other = f"{B},李娜,视力,三级,2025-03-02,否,否"
    intake = _intake(tmp_path, config, "残联", {"a.csv": f"{header}\n{bad}\n{genuine}\n{other}\n"})
    assert sorted(intake.accepted["disability__certificates"]["source_row"].to_list()) == [3, 4]
    assert intake.rejects["row_number"].to_list() == [2]
    assert "key_conflict" not in intake.rejects["reason_code"].to_list()


def _age(path: Path, days: int = 3) -> float:
    """Make a file's access time older than its modification time, so any read moves it
    (relatime updates the access time exactly then)."""
    past = time.time() - days * 86_400
    os.utime(path, (past - 86_400, past))
    return os.stat(path).st_atime


def _reads_move_access_time(tmp_path: Path) -> bool:
    probe = tmp_path / "probe.txt"
    probe.write_text("x")
    before = _age(probe)
    probe.read_bytes()
    return os.stat(probe).st_atime != before


@pytest.mark.slow
def test_symbolic_links_are_listed_and_never_followed(tmp_path, config, sample_root, prefect_api):
    from flows.quarterly_run import check_inbox

    outside = tmp_path / "elsewhere"  # outside the data root
    outside.mkdir()
    secret = outside / "外部文件.csv"
    shutil.copy(sample_root / "inbox" / str(Q3) / "残联" / "残疾人两项补贴_2026Q3.csv", secret)
    (outside / "folder").mkdir()
    shutil.copy(secret, outside / "folder" / "链接目录里的文件.csv")
    root = tmp_path / "county"
    inbox = root / "inbox" / str(Q3)
    shutil.copytree(sample_root / "inbox" / str(Q3), inbox)
    inside_target = root / "同根目录下的文件.csv"
    shutil.copy(secret, inside_target)
    (inbox / "医保局" / "链接到外部.csv").symlink_to(secret)
    (inbox / "医保局" / "链接到目录").symlink_to(outside / "folder", target_is_directory=True)
    (inbox / "残联" / "链接到根目录内.csv").symlink_to(inside_target)
    (inbox / "教育").symlink_to(outside / "folder", target_is_directory=True)  # a department folder that is a link
    times = {p: _age(p) for p in (secret, outside / "folder" / "链接目录里的文件.csv", inside_target)}

    listing = list_inbox(inbox, config)
    assert all(not p.is_symlink() for paths in listing.files.values() for p in paths)
    summary = check_inbox(str(root), str(Q3))
    manifest = json.loads((root / "check" / str(Q3) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["departments"]["medical"]["skipped_links"] == ["医保局/链接到外部.csv", "医保局/链接到目录"]
    assert manifest["departments"]["disability"]["skipped_links"] == ["残联/链接到根目录内.csv"]
    assert manifest["skipped_links"] == ["教育"]
    source = sample_root / "inbox" / str(Q3)
    departments_files = {Path(*p.relative_to(source).parts[1:]).as_posix() for p in source.rglob("*") if p.is_file()}
    assert {f["path"] for f in manifest["inputs"]} == departments_files  # nothing through a link
    assert summary.counts.files == 11
    rejects = pl.read_parquet(root / "check" / str(Q3) / "rejects.parquet")
    assert not rejects.filter(pl.col("file").str.contains("链接")).height
    if _reads_move_access_time(tmp_path):  # (a file system mounted noatime cannot tell)
        assert {p: os.stat(p).st_atime for p in times} == times


@pytest.mark.slow
def test_a_symbolic_link_as_the_inbox_is_refused(tmp_path, sample_root, prefect_api):
    from flows.quarterly_run import RunRefused, quarterly_run

    (tmp_path / "county" / "inbox").mkdir(parents=True)
    (tmp_path / "county" / "inbox" / str(Q3)).symlink_to(sample_root / "inbox" / str(Q3), target_is_directory=True)
    with pytest.raises(RunRefused, match="符号链接"):
        quarterly_run(str(tmp_path / "county"), str(Q3))


ENROLMENT = "姓名,参保状态,险种类型"


@pytest.mark.parametrize(
    "header,row",
    [
        (f"身份证号,{ENROLMENT},身份证号", f"{A},王伟,正常参保,居民医保,{B}"),  # two 身份证号, different numbers
        (f"身份证号,{ENROLMENT},公民身份号码", f"{A},王伟,正常参保,居民医保,{A}"),  # two names for one field
    ],
)
def test_two_columns_for_one_field_make_the_sheet_an_error_naming_both(tmp_path, config, header, row):
    intake = _intake(tmp_path, config, "医保局", {"a.csv": f"{header}\n{row}\n{row}\n"})
    (report,) = intake.files
    first, second = header.split(",")[0], header.split(",")[-1]
    assert f"“{first}”、“{second}”" in report.error and "参保状态" not in report.error
    assert report.accepted == 0 and report.rejected == 2 and report.balanced
    assert set(intake.rejects["reason_code"]) == {"doubled_column"}
    assert not intake.accepted


def test_two_identical_harmless_columns_are_fine(tmp_path, config):
    text = f"身份证号,{ENROLMENT},备注,备注\n{A},王伟,正常参保,居民医保,甲,乙\n"
    intake = _intake(tmp_path, config, "医保局", {"a.csv": text})
    assert intake.files[0].error is None and intake.accepted["medical__enrolment"].height == 1
