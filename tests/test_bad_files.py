"""A file with unreadable bytes or no recognisable header gets a clear error naming it,
while every other file is still staged and published; a failed build leaves the previous
publication intact."""

from __future__ import annotations

import json
import shutil

import duckdb
import polars as pl
import pytest

from transforms.intake.cells import id_check_char
from transforms.kit.atomic import publish
from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


@pytest.fixture()
def damaged_root(tmp_path, sample_root):
    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    civil = root / "inbox" / str(Q3) / "民政局"
    (civil / "损坏的表.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook" * 10)
    (civil / "乱码.csv").write_bytes(bytes(range(128, 256)) * 4)  # neither UTF-8 nor GB18030
    (root / "inbox" / str(Q3) / "残联" / "说明.csv").write_text("这是一份说明\n请查收\n", encoding="utf-8")
    (root / "inbox" / str(Q3) / "残联" / "~$残疾人两项补贴.xlsx").write_bytes(b"lock")
    (root / "inbox" / str(Q3) / "不明部门").mkdir()
    # One department with a whole-file problem beside row problems that cannot go back as data
    # (the hostile inbox that once stopped a county: a mixed 其他问题 sheet).
    disability = root / "inbox" / str(Q3) / "残联"
    (disability / "补报（损坏）.xlsx").write_bytes(b"PK\x03\x04 broken" * 10)
    header = "身份证号,姓名,残疾类别,残疾等级,发证日期,困难残疾人生活补贴,重度残疾人护理补贴"
    person = "43112519900101123" + id_check_char("43112519900101123")
    rows = [f"{person},某,肢体,三级,2026-08-01,是,否", f"{person},某,肢体,二级,2026-08-01,是,否"]  # a conflict
    (disability / "补报.csv").write_text("\n".join([header, *rows, "合计,,,,,,"]) + "\n", encoding="utf-8")
    return root


def test_bad_files_are_named_and_the_rest_is_published(damaged_root, prefect_api):
    from flows.quarterly_run import quarterly_run

    summary = quarterly_run(str(damaged_root), str(Q3))
    out = DataRoot(damaged_root).out(Q3)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in manifest["inputs"]}
    assert "Excel文件已损坏" in files["损坏的表.xlsx"]["error"]
    assert "编码无法识别" in files["乱码.csv"]["error"]
    assert "未能识别表头" in files["说明.csv"]["error"]
    assert manifest["departments"]["disability"]["skipped_files"] == ["~$残疾人两项补贴.xlsx"]
    assert manifest["unplaced_inbox_entries"] == ["不明部门"]
    assert "Excel文件已损坏" in files["补报（损坏）.xlsx"]["error"]
    assert summary.counts.files_with_errors == 4
    assert any(e.startswith("inbox/2026Q3/民政局/乱码.csv: ") for e in summary.file_errors)
    for f in files.values():
        assert f["rows_read"] == f["accepted"] + f["rejected"] + f["duplicates"] + f["ignored"]
    # The good civil files are staged as usual.
    good = {"accepted": sum(files[f]["accepted"] for f in ("低保特困临时救助_2026Q3.txt", "临时救助_补录_2026Q3.csv"))}
    con = duckdb.connect(str(DataRoot(damaged_root).warehouse), read_only=True)
    staged = con.execute("select count(*) from stg_civil__assistance where quarter = ?", [str(Q3)]).fetchone()[0]
    con.close()
    assert staged == good["accepted"] > 0
    rejects = pl.read_parquet(out / "rejects.parquet")
    file_level = rejects.filter(pl.col("row_number").is_null())
    assert set(file_level["file"]) == {"损坏的表.xlsx", "乱码.csv", "补报（损坏）.xlsx"}
    assert (out / "quality" / "民政局_问题数据.xlsx").is_file()
    # 残联's workbook holds its whole-file problem and its rejected rows together, and opens.
    import openpyxl

    workbook = openpyxl.load_workbook(out / "quality" / "残联_问题数据.xlsx")
    numbers = [r[3] for r in workbook["其他问题"].iter_rows(min_row=3, values_only=True)]
    assert "（整个文件）" in numbers  # the file that cannot be read
    data = workbook["残疾人证与补贴"]  # the conflicting row comes back with its cells, to correct or delete
    places = [(r[-3], r[-1]) for r in data.iter_rows(min_row=4, values_only=True)]
    assert ("补报.csv", 3) in places


def test_a_defect_names_the_step_department_and_file(damaged_root, prefect_api, monkeypatch, capsys):
    """Only a defect of the program may stop a run; its one line names the step, the department
    and the file (here a defect injected into the rejected-rows writer), never a cell."""
    from flows.cli import main
    from transforms.deliver import intake_outputs

    def defect(path, **inputs):
        if "民政局" in inputs["department_label"]:
            raise TypeError("a defect")
        return original(path, **inputs)

    original = intake_outputs.write_quality_workbook
    monkeypatch.setattr(intake_outputs, "write_quality_workbook", defect)
    assert main(["run", "--data-root", str(damaged_root), "--quarter", str(Q3)]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "写问题数据表时程序出错（TypeError）" in line
    assert "部门：民政局" in line and "文件：quality/民政局_问题数据.xlsx" in line
    assert not DataRoot(damaged_root).out(Q3).exists()


def test_a_failed_build_leaves_the_previous_publication_intact(tmp_path):
    root = DataRoot(tmp_path)

    def good(folder):
        (folder / "rejects.parquet").write_bytes(b"first")
        (folder / "manifest.json").write_text(json.dumps({"outputs": []}))

    publish(root, Q3, good)
    before = {p.name: p.read_bytes() for p in root.out(Q3).iterdir()}

    def broken(folder):
        (folder / "rejects.parquet").write_bytes(b"second, half written")
        raise KeyboardInterrupt  # as if the run were killed mid-way

    with pytest.raises(KeyboardInterrupt):
        publish(root, Q3, broken)
    assert {p.name: p.read_bytes() for p in root.out(Q3).iterdir()} == before
    assert not [p for p in root.publications.iterdir() if p.name.endswith(".building")]


def test_a_blocking_quality_gate_stops_publication_and_keeps_the_previous_one(tmp_path, sample_root, prefect_api):
    from flows.cli import main
    from flows.quarterly_run import RunRefused, quarterly_run

    root = tmp_path / "county"
    shutil.copytree(sample_root / "inbox" / str(Q3), root / "inbox" / str(Q3))
    quarterly_run(str(root), str(Q3))
    out = DataRoot(root).out(Q3)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    shutil.rmtree(root / "inbox" / str(Q3) / "监测对象名册")  # the roster did not arrive this time
    with pytest.raises(RunRefused, match="roster_arrived"):
        quarterly_run(str(root), str(Q3))
    assert main(["run", "--data-root", str(root), "--quarter", str(Q3)]) == 1
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
