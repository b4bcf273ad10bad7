"""A pandas baseline: the same reading, comparison and Excel writing the way a data officer
would write it (pd.read_excel, pd.read_csv(encoding="gbk"), merge, to_excel).
Usage: pandas_baseline.py <inbox/quarter> <out dir>"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def main(inbox: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    roster_file = next((inbox / "监测对象名册").glob("*.xlsx"))
    roster = pd.concat(pd.read_excel(roster_file, sheet_name=None, header=2, dtype=str).values())
    roster["证件号码"] = roster["证件号码"].str.upper()
    claims = pd.read_csv(next((inbox / "医保局").glob("结算明细*")), skiprows=1, dtype=str, encoding="utf-8-sig")
    claims["oop"] = pd.to_numeric(claims["个人自付"].str.replace("元", "").str.replace(",", ""), errors="coerce")
    claims["公民身份号码"] = claims["公民身份号码"].str.upper()
    merged = claims.merge(roster, left_on="公民身份号码", right_on="证件号码")
    by_household = merged.groupby("户编号")["oop"].sum().reset_index()
    by_household[by_household["oop"] > 10000].to_excel(out / "flagged_oop.xlsx", index=False)
    enrolment = pd.read_csv(next((inbox / "医保局").glob("参保信息*")), skiprows=1, dtype=str, encoding="gbk")
    civil = pd.read_csv(next((inbox / "民政局").glob("*.txt")), skiprows=1, dtype=str, encoding="gbk", sep="\t")
    disability = pd.read_csv(next((inbox / "残联").glob("*.csv")), skiprows=1, dtype=str)
    housing = pd.read_excel(next((inbox / "住建局").glob("*.xls")), header=1, dtype=str)
    education = pd.concat(
        pd.read_excel(next((inbox / "教育局").glob("*.xlsx")), sheet_name=None, header=2, dtype=str).values()
    )
    for name, frame, col in (("enrolment", enrolment, "身份证号"), ("civil", civil, "身份证号"),
                             ("disability", disability, "身份证号"), ("housing", housing, "户主身份证号"),
                             ("education", education, "学生身份证号")):  # fmt: skip
        frame[col] = frame[col].str.upper()
        frame.merge(roster, left_on=col, right_on="证件号码").to_excel(out / f"flagged_{name}.xlsx", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
