"""The floor: the least a quarterly run must do on the same files — decode and read every file,
sum settlements by household, join every department to the roster, write the flagged rows.
Nothing else (no validation, no accounting, no lists). Usage: floor.py <inbox/quarter> <out dir>"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb
import fastexcel
import polars as pl


def excel(path: Path, header_row: int) -> pl.DataFrame:
    reader = fastexcel.read_excel(path)
    frames = [reader.load_sheet(s, header_row=header_row, dtypes="string").to_polars() for s in reader.sheet_names]
    return pl.concat(frames, how="diagonal_relaxed")


def text_as_utf8(path: Path, tmp: Path) -> Path:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
        return path
    except UnicodeDecodeError:
        out = tmp / (path.stem + ".utf8")
        out.write_bytes(data.decode("gb18030").encode("utf-8"))
        return out


def main(inbox: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        roster = excel(next((inbox / "监测对象名册").glob("*.xlsx")), 2).select(
            pl.col("户编号").alias("household_id"), pl.col("证件号码").str.to_uppercase().alias("id_number")
        )
        con.register("roster", roster.to_arrow())
        claims = next((inbox / "医保局").glob("结算明细*"))
        con.execute(
            f"""copy (
                select r.household_id, sum(try_cast(replace(replace(c."个人自付", '元', ''), ',', '') as double)) as oop
                from read_csv('{claims}', skip=1, header=true, all_varchar=true, delim=',', quote='"') as c
                join roster as r on r.id_number = upper(c."公民身份号码")
                group by r.household_id having oop > 10000
            ) to '{out / "flagged_oop.parquet"}'"""
        )
        sources = {
            "enrolment": (text_as_utf8(next((inbox / "医保局").glob("参保信息*")), tmp), "身份证号", 1, ","),
            "civil": (text_as_utf8(next((inbox / "民政局").glob("*.txt")), tmp), "身份证号", 1, "\t"),
            "disability": (next((inbox / "残联").glob("*.csv")), "身份证号", 1, ","),
        }
        for name, (path, id_col, skip, sep) in sources.items():
            con.execute(
                f"""copy (
                    select d.* from read_csv('{path}', skip={skip}, header=true, all_varchar=true, delim='{sep}', quote='"', null_padding=true, ignore_errors=true) as d
                    join roster as r on r.id_number = upper(d."{id_col}")
                ) to '{out / f"flagged_{name}.parquet"}'"""
            )
        for name, path, id_col, header in (
            ("housing", next((inbox / "住建局").glob("*.xls")), "户主身份证号", 1),
            ("education", next((inbox / "教育局").glob("*.xlsx")), "学生身份证号", 2),
        ):
            frame = excel(path, header).with_columns(pl.col(id_col).str.to_uppercase())
            con.register(name, frame.to_arrow())
            con.execute(
                f"""copy (select d.* from {name} as d join roster as r on r.id_number = d."{id_col}")
                to '{out / f"flagged_{name}.parquet"}'"""
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
