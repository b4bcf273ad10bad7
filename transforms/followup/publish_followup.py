"""What read-returns publishes in `followup/<quarter>/`: followup.parquet, followup_listing.parquet,
returns_rejects.parquet (each checked against its contract, schemas/outputs.py), 催办清单.xlsx
(followup/chase_list.py), followup.html (followup/page.py) and manifest.json."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from schemas.outputs import LISTING_COLUMNS, RETURN_REJECT_SCHEMA, FollowupListingRows, FollowupRows, ReturnRejectRows
from transforms.followup.chase_list import write_chase_list
from transforms.followup.page import render_followup_page
from transforms.followup.returns import ReturnedFile
from transforms.followup.views import loop_counts
from transforms.kit.atomic import write_manifest
from transforms.kit.deadlines import WorkingCalendar
from transforms.learning.answer_yield import AnswerYield, yield_section


def write_followup(
    folder: Path,
    *,
    county: str,
    quarter: str,
    as_of: date,
    followup: pl.DataFrame,
    rows: pl.DataFrame,
    rejects: pl.DataFrame,
    files: list[ReturnedFile],
    skipped: list[str],
    names: pl.DataFrame,
    department_labels: dict[str, str],
    rule_labels: dict[str, str],
    calendar: WorkingCalendar,
    published_on: date,
    listing_reasons: dict[str, str],
    answers: AnswerYield,
) -> None:
    """Everything of `followup/<quarter>/`, into a fresh publication folder."""
    FollowupRows.validate(followup).write_parquet(folder / "followup.parquet")
    FollowupListingRows.validate(rows.select(LISTING_COLUMNS)).write_parquet(folder / "followup_listing.parquet")
    refused = rejects.select(list(RETURN_REJECT_SCHEMA)).sort("file", "sheet", "row_number", nulls_last=False)
    ReturnRejectRows.validate(refused).write_parquet(folder / "returns_rejects.parquet")
    created = datetime.combine(as_of, datetime.min.time())
    write_chase_list(
        folder / "催办清单.xlsx",
        county=county,
        quarter=quarter,
        as_of=as_of,
        followup=followup,
        rows=rows,
        names=names,
        department_labels=department_labels,
        rule_labels=rule_labels,
        calendar=calendar,
        created=created,
        listing_reasons=listing_reasons,
        rejects=rejects,
    )
    page = render_followup_page(
        county=county,
        quarter=quarter,
        as_of=as_of,
        followup=followup,
        rows=rows,
        department_labels=department_labels,
        calendar=calendar,
        published_on=published_on,
        rejects=rejects,
        answer_yield=yield_section(answers),
    )
    (folder / "followup.html").write_text(page, encoding="utf-8")
    write_manifest(
        folder,
        {
            "quarter": quarter,
            "as_of": as_of.isoformat(),
            "returned_files": [f.as_dict() for f in files],
            "skipped_links": skipped,
            **loop_counts(followup, rows),
        },
    )
