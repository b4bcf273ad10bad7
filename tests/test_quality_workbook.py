"""The rejected-rows workbook a department clerk receives, read back with openpyxl."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest

from transforms.settings import DataRoot

from .conftest import Q3

pytestmark = pytest.mark.slow


def test_medical_workbook_lists_every_rejected_row_with_its_reason(sample_root, sample_run):
    out = DataRoot(sample_root).out(Q3)
    rejects = pl.read_parquet(out / "rejects.parquet").filter(pl.col("department") == "medical")
    wb = openpyxl.load_workbook(out / "quality" / "医保局_问题数据.xlsx", read_only=True)
    assert wb.sheetnames == ["问题数据", "文件汇总"]
    rows = list(wb["问题数据"].iter_rows(values_only=True))
    assert "清河县2026Q3" in rows[0][0] and f"共{rejects.height}行" in rows[0][0]
    assert rows[1][:7] == ("序号", "文件", "工作表", "行号", "问题列", "原值", "退回原因")
    body = rows[2:]
    assert len(body) == rejects.height
    got = sorted((r[1], r[3], r[6]) for r in body)
    want = sorted(rejects.select("file", "row_number", "reason").iter_rows())
    assert got == want
    summary = list(wb["文件汇总"].iter_rows(values_only=True))
    assert {r[0] for r in summary[2:]} == {"参保信息_2026Q3.csv", "结算明细_2026Q3.csv"}
