"""The closed loop for one quarter (预警 → 核实 → 交办 → 办结 → 销号): read every returned file,
record its answers, and work out where every warning of the quarter's publication stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from schemas.outputs import RETURN_REJECT_SCHEMA
from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout
from transforms.followup.returns import (
    ReturnedFile,
    list_returns,
    read_returned_file,
    return_kinds,
)
from transforms.followup.status import (
    Publication,
    followup_frame,
    latest_answers,
    listing_frame,
    load_publication,
    record_answers,
)
from transforms.linkage.corrections import record_corrections
from transforms.settings import DataRoot, Quarter, RunRefused
from transforms.staging.warehouse import connect, department_people_sql, params_named_in, read_sql


@dataclass
class FollowUp:
    """A quarter's follow-up as of a date: every returned file's account, the rows not applied,
    and one row per warning with where it stands."""

    quarter: Quarter
    as_of: date
    files: list[ReturnedFile]
    skipped: list[str]  # links and other entries under returns/ that were not read
    rejects: pl.DataFrame
    followup: pl.DataFrame
    rows: pl.DataFrame  # one per town-list row (预警编号): its verification, overdue or not
    names: pl.DataFrame  # key (id_number or household_id) -> name, head_id: for the chase list
    publication: Publication
    recorded: int = 0  # answers added to the warehouse by this reading


def returns_folder(root: DataRoot, quarter: Quarter) -> Path:
    return root.path / "returns" / str(quarter)


def ensure_published(root: DataRoot, quarter: Quarter) -> None:
    """Refuses (RunRefused) to follow up a quarter whose lists were never published."""
    if not (root.out(quarter) / "manifest.json").is_file() or not root.warehouse.is_file():
        raise RunRefused(
            f"{quarter}尚未发布预警名单，无可跟踪的事项 / {quarter} has not been published: nothing to follow up"
        )


def follow_up(root: DataRoot, quarter: Quarter, as_of: date, config: CountyConfig) -> FollowUp:
    """Read `returns/<quarter>/`, record what is new (append-only), and compute the follow-up."""
    ensure_published(root, quarter)
    out_dir = root.out(quarter)
    kinds = return_kinds(ExcelLayout.load())
    folder = returns_folder(root, quarter)
    paths, others = list_returns(folder)
    with connect(root.warehouse) as con:
        pub = load_publication(out_dir, con, str(quarter))
        files, rejects, recorded = [], [], 0
        for path in paths:
            rel = path.relative_to(folder).as_posix()
            report, answers, file_rejects = read_returned_file(path, rel, pub.issued, kinds, as_of, config.reading)
            if not report.balanced:
                raise AssertionError(f"row accounting broke for returned file {rel}")
            recorded += record_answers(con, str(quarter), report.sha256, answers)
            files.append(report)
            rejects.append(file_rejects)
        record_corrections(con, str(quarter))
        answers = latest_answers(con, str(quarter))
        con.execute(department_people_sql(config.datasets))
        names = _names(con, str(quarter))
    rejected = pl.concat(rejects) if rejects else pl.DataFrame(schema=RETURN_REJECT_SCHEMA)
    followup, rows = followup_frame(pub, answers, as_of, rejected), listing_frame(pub, answers, as_of, rejected)
    skipped = [p.relative_to(folder).as_posix() for p in others]
    return FollowUp(quarter, as_of, files, skipped, rejected, followup, rows, names, pub, recorded)


def _names(con, quarter: str) -> pl.DataFrame:
    """id_number or household_id -> the name to show and the identity number behind it."""
    sql = read_sql("followup/names.sql")
    frame = pl.from_arrow(con.sql(sql, params=params_named_in(sql, {"quarter": quarter})).to_arrow_table())
    return frame.unique("key", keep="first", maintain_order=True).drop("priority")
