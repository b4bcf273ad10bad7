"""Per dataset: the same rows written in each messy form a department exports read to the
same accepted rows (real files written to disk and read back)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from transforms.intake.department import read_file
from transforms.sample_county.county import Row
from transforms.sample_county.messy import full_width, to_15, write_delimited, write_xls, write_xlsx
from transforms.sample_county.roster import ROSTER_HEADER

ID1 = "43112519620127301X"
ID2 = "431125198802140026"
ID3 = "431125201203050013"


def _check(idn: str) -> str:
    from transforms.intake.cells import id_check_char

    return idn[:17] + id_check_char(idn[:17])


ID1, ID2, ID3 = _check(ID1), _check(ID2), _check(ID3)

# dataset -> (department, header, rows of cells in two spellings: plain and messy)
CASES = {
    "roster__persons": (
        "roster",
        ROSTER_HEADER,
        [
            [
                "H001",
                ID1,
                "王伟",
                "户主",
                "城关镇",
                "南门村",
                "监测户",
                "边缘易致贫户",
                "否",
                "2",
                "4800.5",
                "普通劳动力",
                "因病",
            ],
            [
                "H001",
                ID2,
                "李芳",
                "配偶",
                "城关镇",
                "南门村",
                "监测户",
                "边缘易致贫户",
                "否",
                "2",
                "4800.5",
                "丧失劳动力",
                "因病",
            ],
        ],
        [
            [
                "H001",
                ID1.lower(),
                "王伟",
                "本人",
                " 城关镇 ",
                "南门村",
                "监测户",
                "边缘易致贫户",
                "否",
                "２",
                "4,800.50元",
                "普通劳动力",
                "因病",
            ],
            [
                "H001",
                ID2,
                "李芳 ",
                "妻",
                "城关镇",
                "南门村",
                "监测户",
                "边缘易致贫户",
                "否",
                "2人",
                "4800.50",
                "丧失劳动力",
                "因病",
            ],
        ],
    ),
    "medical__enrolment": (
        "medical",
        ["公民身份号码", "姓名", "参保状态", "险种类型", "是否资助参保"],
        [[ID1, "王伟", "正常参保", "城乡居民基本医疗保险", "是"], [ID2, "李芳", "终止参保", "职工基本医疗保险", "否"]],
        [[full_width(ID1), "王伟", "正常", "居民医保", "是"], [ID2, "李芳", "终止", "职工医保", "否"]],
    ),
    "housing__appraisals": (
        "housing",
        ["户主身份证号", "户主姓名", "乡镇", "村", "鉴定等级", "鉴定日期", "改造状态", "竣工日期"],
        [
            [ID1, "王伟", "城关镇", "南门村", "C", "2025-04-01", "已竣工", "2025-10-08"],
            [ID2, "李芳", "河东镇", "柳树村", "D", "2026-01-20", "未改造", ""],
        ],
        [
            [ID1, "王伟", "城关镇", "南门村", "C级", "20250401", "竣工", "2025年10月8日"],
            [ID2, "李芳", "河东镇", "柳树村", "d", "2026/1/20", "未改造", ""],
        ],
    ),
    "education__students": (
        "education",
        ["学生身份证号", "学生姓名", "学校名称", "学段", "学籍状态", "资助项目"],
        [
            [ID3, "张强", "清河县实验小学", "小学", "在读", "两免一补、国家助学金"],
            [ID2, "李芳", "省内高校", "高校", "休学", "无"],
        ],
        [
            [full_width(ID3), "张强", "清河县实验小学", "小学", "在校", "两免一补，国家助学金"],
            [ID2, "李芳", "省内高校", "大学", "休学", "无"],
        ],
    ),
    "civil__assistance": (
        "civil",
        ["身份证号", "姓名", "乡镇", "村（社区）", "救助类型", "保障状态", "起始日期", "终止日期", "金额（元）"],
        [
            [ID1, "王伟", "城关镇", "南门村", "农村低保", "在保", "2024-03-01", "", "560"],
            [ID2, "李芳", "河东镇", "柳树村", "临时救助", "停保", "2026-08-02", "2026-08-02", "1500"],
        ],
        [
            [ID1.lower(), " 王伟 ", "城关镇", "南门村", "农村最低生活保障", "在保", "2024年3月1日", "", "560元"],
            [full_width(ID2), "李芳", "河东镇", "柳树村", "临时救助", "停保", "20260802", "2026/8/2", "1,500.00元"],
        ],
    ),
    "disability__certificates": (
        "disability",
        ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期", "困难残疾人生活补贴", "重度残疾人护理补贴"],
        [
            [ID1, "王伟", "肢体", "一级", "2026-07-15", "是", "是"],
            [ID2, "李芳", "视力", "四级", "2019-01-02", "否", "否"],
        ],
        [
            [to_15(ID1), "王伟", "肢体残疾", "1", "2026年7月15日", "是", "是"],
            [ID2, "李芳", "视力", "4级", "2019.1.2", "否", "否"],
        ],
    ),
    "medical__settlements": (
        "medical",
        [
            "公民身份号码",
            "姓名",
            "结算日期",
            "就诊类型",
            "医疗总费用",
            "政策范围内费用",
            "基本医保统筹支付",
            "大病保险支付",
            "医疗救助支付",
            "个人自付",
            "定点医疗机构",
        ],
        [
            [ID1, "王伟", "2026-07-15", "住院", "12345.6", "10000", "7000", "0", "500", "4845.6", "县人民医院"],
            [ID3, "张强", "2026-09-30", "普通门诊", "80", "60", "30", "", "", "50", ""],
        ],
        [
            [
                ID1,
                "王伟",
                "2026/7/15",
                "住院",
                "12,345.60元",
                "10,000.00元",
                "7000元",
                "0",
                "500",
                "4,845.60",
                " 县人民医院 ",
            ],
            [ID3, "张强", "20260930", "门诊", "８０", "60", "30", "", "", "50元", ""],
        ],
    ),
}


def _expected(frame: pl.DataFrame) -> list[dict]:
    return frame.drop("source_file", "source_sheet", "source_row").to_dicts()


def _write_forms(tmp: Path, header: list[str], plain: list[list], messy: list[list]) -> dict[str, Path]:
    def rows(cells):
        return [Row(list(c), None) for c in cells]

    forms = {}
    forms["plain.csv"] = tmp / "plain.csv"
    write_delimited(forms["plain.csv"], "", header, rows(plain), encoding="utf-8", delimiter=",")
    forms["bom.csv"] = tmp / "bom.csv"
    write_delimited(
        forms["bom.csv"],
        "某县2026年第三季度名册",
        header,
        rows(messy),
        encoding="utf-8-sig",
        delimiter=",",
        footer=[["合计", "2人"], ["制表人：某某"]],
        blank_every=1,
    )
    forms["gbk.csv"] = tmp / "gbk.csv"
    write_delimited(forms["gbk.csv"], "某县名册", header, rows(messy), encoding="gbk", delimiter=",")
    forms["tab.txt"] = tmp / "tab.txt"
    write_delimited(
        forms["tab.txt"], "某县名册", header, rows(messy), encoding="gb18030", delimiter="\t", footer=[["审核人：某某"]]
    )
    forms["sheets.xlsx"] = tmp / "sheets.xlsx"
    typed = [[_excel_typed(v) for v in r] for r in messy]
    write_xlsx(
        forms["sheets.xlsx"],
        "某县名册",
        header,
        {"甲镇": rows(typed[:1]), "乙镇": rows(typed[1:])},
        footer=[["合计"], ["制表人：某某"]],
    )
    forms["old.xls"] = tmp / "old.xls"
    write_xls(forms["old.xls"], "某县名册", header, rows(typed))
    return forms


def _excel_typed(v: str):
    """Dates as real Excel dates, plain numbers as numbers — as a clerk's workbook holds them."""
    if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
        return date.fromisoformat(v)
    try:
        return float(v) if v and v.replace(".", "", 1).isdigit() and len(v) < 12 else v
    except ValueError:
        return v


@pytest.mark.parametrize("dataset", sorted(CASES))
def test_every_form_reads_to_the_same_accepted_rows(tmp_path, config, dataset):
    department, header, plain, messy = CASES[dataset]
    forms = _write_forms(tmp_path, header, plain, messy)
    results = {}
    for name, path in forms.items():
        report, accepted, rejects = read_file(path, name, department, config)
        assert report.error is None, (name, report.error)
        assert not [r for r in rejects if r.height], (name, rejects)
        assert report.datasets == [dataset], name
        results[name] = _expected(pl.concat(accepted[dataset]))
    reference = results.pop("plain.csv")
    assert len(reference) == 2
    for name, rows in results.items():
        assert rows == reference, name
