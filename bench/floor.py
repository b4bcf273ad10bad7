"""The validating floor: the work a correct quarterly run cannot skip, done as plainly and as
fast as the tools allow, and nothing else (no reasons per rejected cell, no accounting, no
gates, no history, no lists per town):

  - find each file's header in its first 10 rows;
  - transcode GBK/GB18030 text files with iconv; read workbooks with calamine (fastexcel);
    read every text file with DuckDB's parallel `read_csv`, every cell as text;
  - normalise identity numbers once per distinct value (full-width, trim, upper-case, 15 -> 18,
    check character), parse amounts and dates (each distinct date once);
  - sum out-of-pocket costs per household from 1 January; join every department to the roster;
    flag the households any rule would touch;
  - write the flagged rows to one xlsx.

Usage: floor.py <inbox/quarter> <out dir>
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import fastexcel
import polars as pl

ID_HEADERS = ("公民身份号码", "身份证号", "户主身份证号", "学生身份证号", "证件号码")
FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
YEAR_START = "2026-01-01"
CIVIL_AMOUNT = 't."金额（元）"'
OOP_LINE = 10000.0  # yuan of out-of-pocket costs this year that flag a household


def utf8(path: Path, tmp: Path) -> Path:
    """The file itself when its head is UTF-8, else its GB18030 text transcoded by iconv."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        head.decode("utf-8")
        return path
    except UnicodeDecodeError as e:
        if e.start < len(head) - 4:  # not merely a character cut at the end of the piece
            out = tmp / (path.name + ".utf8")
            with path.open("rb") as src, out.open("wb") as dst:
                subprocess.run(["iconv", "-f", "GB18030", "-t", "UTF-8"], stdin=src, stdout=dst, check=True)
            return out
        return path


def header_row(rows: list[list[str | None]]) -> int:
    """Index of the first of `rows` (a file's first 10) that holds an identity-number header."""
    for i, row in enumerate(rows[:10]):
        if any((c or "").strip().lstrip("\ufeff") in ID_HEADERS for c in row):
            return i
    raise ValueError("no header in the first 10 rows")


def read_text(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, table: str) -> None:
    source = utf8(path, tmp)
    with source.open(encoding="utf-8-sig", errors="replace") as fh:
        lines = [fh.readline() for _ in range(10)]
    sep = "\t" if any("\t" in line for line in lines) else ","
    skip = header_row([line.rstrip("\r\n").split(sep) for line in lines])
    con.execute(
        f"""create or replace table {table} as select * from read_csv('{source}', skip={skip}, header=true,
        all_varchar=true, delim='{sep}', quote='"', null_padding=true, strict_mode=false)"""
    )


def read_workbook(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    reader = fastexcel.read_excel(path)
    frames = []
    for name in reader.sheet_names:
        head = reader.load_sheet(name, header_row=None, n_rows=10, dtypes="string").to_polars()
        skip = header_row([list(r) for r in head.rows()])
        frames.append(reader.load_sheet(name, header_row=skip, dtypes="string").to_polars())
    con.register(f"{table}_frame", pl.concat(frames, how="diagonal_relaxed").to_arrow())
    con.execute(f"create or replace table {table} as select * from {table}_frame")


def read_any(con: duckdb.DuckDBPyConnection, paths: list[Path], tmp: Path, table: str) -> None:
    """Every file of one dataset into one table of text columns (headers as the files have them)."""
    parts = []
    for i, path in enumerate(paths):
        part = f"{table}_{i}"
        if path.suffix.lower() in (".csv", ".txt"):
            read_text(con, path, tmp, part)
        else:
            read_workbook(con, path, part)
        parts.append(f"select * from {part}")
    con.execute(f"create or replace table {table} as {' union all by name '.join(parts)}")


def id_sql(raw: str) -> str:
    """SQL normalising one identity number (applied to distinct values only)."""
    full, half = FULL.replace("'", "''"), HALF.replace("'", "''")
    s = f"upper(trim(translate({raw}, '{full}', '{half}')))"
    s18 = f"(case when length({s}) = 15 then substr({s}, 1, 6) || '19' || substr({s}, 7) else {s} end)"
    weighted = " + ".join(f"try_cast(substr(s18, {i + 1}, 1) as integer) * {w}" for i, w in enumerate(WEIGHTS))
    check = f"substr('10X98765432', (({weighted}) % 11)::integer + 1, 1)"
    return f"""(select case when length(s18) = 18 and regexp_full_match(s18, '\\d{{17}}[\\dX]')
                  and substr(s18, 18, 1) = {check} then s18
                  when length(s18) = 17 and regexp_full_match(s18, '\\d{{17}}') then s18 || {check} end
                from (select {s18} as s18))"""


def amount(raw: str) -> str:
    return f"try_cast(replace(replace(replace(trim({raw}), '元', ''), ',', ''), '¥', '') as double)"


def main(inbox: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    tmp = Path(tempfile.mkdtemp())
    try:
        files = {
            "roster": sorted((inbox / "监测对象名册").iterdir()),
            "claims": sorted((inbox / "医保局").glob("结算明细*")),
            "enrolment": sorted((inbox / "医保局").glob("参保信息*")),
            "civil": sorted((inbox / "民政局").iterdir()),
            "housing": sorted((inbox / "住建局").iterdir()),
            "education": sorted((inbox / "教育局").iterdir()),
            "disability": sorted((inbox / "残联").iterdir()),
        }
        id_columns = {"roster": "证件号码", "claims": "公民身份号码", "housing": "户主身份证号",
                      "education": "学生身份证号"}  # fmt: skip
        for table, paths in files.items():
            read_any(con, paths, tmp, table)
        # Identity numbers: each distinct value normalised once.
        distinct = " union ".join(f'select "{id_columns.get(t, "身份证号")}" as raw from {t}' for t in files)
        con.execute(f"create table ids as select raw, {id_sql('raw')} as id from ({distinct}) where raw is not null")
        dates = 'select distinct "结算日期" as raw from claims'
        con.execute(
            f"""create table dates as select raw, coalesce(
                  try_strptime(regexp_replace(raw, '\\s.*$', ''), ['%Y-%m-%d', '%Y/%m/%d', '%Y.%m.%d', '%Y%m%d']),
                  try_strptime(raw, '%Y年%m月%d日'))::date as day from ({dates})"""
        )
        con.execute(
            f"""create table roster_ids as select r."户编号" as household_id, i.id,
                  {amount('r."家庭人均纯收入（元）"')} as income
                from roster r join ids i on i.raw = r."证件号码" where i.id is not null"""
        )

        def joined(table: str) -> str:
            col = id_columns.get(table, "身份证号")
            return f'{table} t join ids i on i.raw = t."{col}" join roster_ids p on p.id = i.id'

        flags = {
            "medical_oop": f"""select p.household_id, sum({amount('t."个人自付"')}) as value from {joined("claims")}
                join dates d on d.raw = t."结算日期" where d.day >= date '{YEAR_START}'
                group by p.household_id having value > {OOP_LINE}""",
            "not_insured": f"""select p.household_id, 1 as value from {joined("enrolment")}
                where t."参保状态" <> '正常参保'""",
            "civil": f"select p.household_id, {amount(CIVIL_AMOUNT)} as value from {joined('civil')}",
            "housing": f"""select p.household_id, 1 as value from {joined("housing")}
                where t."鉴定等级" similar to '.*[CD].*' and t."改造状态" <> '已改造'""",
            "education": f"""select p.household_id, 1 as value from {joined("education")}
                where coalesce(trim(t."资助项目"), '') = ''""",
            "disability": f"""select p.household_id, 1 as value from {joined("disability")}
                where t."困难残疾人生活补贴" <> '是' or t."重度残疾人护理补贴" <> '是'""",
        }
        union = " union all ".join(
            f"select '{name}' as rule, household_id, value from ({sql})" for name, sql in flags.items()
        )
        flagged = pl.from_arrow(con.sql(f"select * from ({union}) order by household_id, rule").to_arrow_table())
        flagged.write_excel(out / "flagged.xlsx")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
