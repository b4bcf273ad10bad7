"""A seeded, deterministic sample county: the six datasets of the contract for consecutive
quarters, written the way department systems really export them (GBK and UTF-8-BOM CSV,
tab-delimited text, .xlsx with merged titles, footers and several sheets, an old .xls,
Chinese folder names, header aliases, full-width digits, lower-case x, 15-digit numbers,
`1,234.50元`, every date format), with a known share of genuinely bad rows and duplicates.

Beside the inbox it writes what it planted (`planted/<quarter>/`):
  bad_rows.csv     department, file, sheet, row_number, reason_code  — must be rejected
  duplicates.csv   department, file, sheet, row_number               — must count as duplicates
  files.csv        per file: rows written and how many are title/header/footer/blank
  typos.csv        mistyped identity numbers: where, as written, the person meant (sample_county.typos)
  clean/<dataset>.parquet  the normalised values of every clean row (what staging must hold)

One module per department (roster, medical, civil, housing, education, disability) writes its
files; `county` makes the people, `messy` the ways systems write cells and the planted bad rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from transforms.sample_county.civil import write_civil
from transforms.sample_county.county import Plan, SampleSize, build_county
from transforms.sample_county.disability import write_disability
from transforms.sample_county.education import write_education
from transforms.sample_county.housing import write_housing
from transforms.sample_county.medical import write_medical
from transforms.sample_county.roster import write_roster
from transforms.sample_county.typos import TYPO_COLUMNS, write_typos
from transforms.settings import Quarter


def _write_plan(plan: Plan, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    (target / "clean").mkdir(parents=True)
    pl.DataFrame(plan.bad, schema=["department", "file", "sheet", "row_number", "reason_code"], orient="row").write_csv(
        target / "bad_rows.csv"
    )
    pl.DataFrame(plan.duplicates, schema=["department", "file", "sheet", "row_number"], orient="row").write_csv(
        target / "duplicates.csv"
    )
    pl.DataFrame(plan.files).write_csv(target / "files.csv")
    pl.DataFrame(plan.typos, schema=TYPO_COLUMNS, orient="row").write_csv(target / "typos.csv")
    for dataset, rows in plan.clean.items():
        if rows:
            pl.DataFrame(rows, infer_schema_length=None).write_parquet(target / "clean" / f"{dataset}.parquet")


def generate_sample_county(
    data_root: Path, quarters: list[Quarter], *, scale: str = "sample", seed: int = 20260930, mistyped: bool = True
) -> list[Path]:
    """Write inbox/<quarter>/<department>/ and planted/<quarter>/ for each quarter.
    The same seed and scale always write the same files. Returns the inbox folders. With
    `mistyped=False` the planted mistyped identity numbers are written as the clerks meant them
    (see sample_county.typos)."""
    size = SampleSize.named(scale)
    written = []
    for k, q in enumerate(quarters):
        # The roster is the same county each quarter; department data differ by quarter.
        county = build_county(size, seed, quarters[-1].last_day)
        county.rng.seed(seed * 10 + k)
        inbox = data_root / "inbox" / str(q)
        if inbox.exists():
            shutil.rmtree(inbox)
        plan = Plan()
        write_roster(county, q, inbox, plan)
        write_medical(county, size, q, inbox, plan, seed)
        write_civil(county, q, inbox, plan)
        write_housing(county, q, inbox, plan)
        write_education(county, q, inbox, plan)
        write_disability(county, q, inbox, plan)
        write_typos(county, q, inbox, plan, seed, mistyped=mistyped)
        _write_plan(plan, data_root / "planted" / str(q))
        written.append(inbox)
    return written
