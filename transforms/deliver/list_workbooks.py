"""The workbooks of the town lists and the departments' work orders: each list's rows (deliver/lists.py)
with its title, note, columns, dropdowns, sign-off and print set-up from config/excel_layout.yaml."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl

from transforms.config import CountyConfig
from transforms.config_files import ExcelLayout, SheetLayout
from transforms.deliver.lists import labelled, list_status, people_names
from transforms.kit.workbook import SheetJob
from transforms.settings import quarter_label


def town_list_jobs(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    towns: dict[str, pl.DataFrame],
    deadline: date,
    created: datetime | None = None,
) -> list[SheetJob]:
    """One 预警名单 per town: its own households only (the key: `listing_no`, 预警编号)."""
    spec = layout.town_list
    choices = {"verification": spec.verification_choices, "propose_monitoring": spec.monitoring_choices}
    return town_workbook_jobs(folder, quarter, config, layout, spec, "预警名单", towns, deadline, choices, created)


def town_workbook_jobs(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    spec: SheetLayout,
    kind: str,
    towns: dict[str, pl.DataFrame],
    deadline: date,
    choices: dict[str, list[str]],
    created: datetime | None = None,
) -> list[SheetJob]:
    """One workbook of `spec` per town (`towns/<town>/<quarter>_<town>_<kind>.xlsx`): its title,
    return note with the deadline, columns, dropdowns, sign-off, print set-up and 填表说明."""
    return [
        SheetJob(
            folder / "towns" / town / f"{quarter}_{town}_{kind}.xlsx",
            title=spec.title.format(county=config.county_name, quarter=quarter_label(quarter), town=town),
            note=spec.note.format(deadline=f"{deadline:%Y年%-m月%-d日}", return_to=spec.return_to),
            columns=spec.columns,
            rows=rows,
            colours=layout.colours,
            choices=choices,
            created=created,
            printing=layout.print,
            freeze_through=spec.freeze_through,
            sign_off=spec.sign_off,
            instructions=tuple(spec.instructions),
        )
        for town, rows in sorted(towns.items())
    ]


def work_order_jobs(
    folder: Path,
    quarter: str,
    config: CountyConfig,
    layout: ExcelLayout,
    orders: pl.DataFrame,
    people: pl.DataFrame,
    rule_labels: dict[str, str],
    deadline: date,
    created: datetime | None = None,
) -> list[SheetJob]:
    """One workbook per department: its work orders, with full identity numbers."""
    spec = layout.work_orders
    names, heads = people_names(people)
    # A work order on a person names that person (when on the roster); one on a household, its 户主.
    rows = (
        orders.join(names, on="id_number", how="left", maintain_order="left")
        .join(heads, on="household_id", how="left", maintain_order="left")
        .select(
            "department",
            "number",
            "household_id",
            pl.when(pl.col("id_number").is_not_null())
            .then(pl.col("name"))
            .otherwise(pl.col("head_name"))
            .fill_null("")
            .alias("name"),
            pl.when(pl.col("id_number").is_not_null())
            .then(pl.when(pl.col("_known")).then(pl.col("id_number")))
            .otherwise(pl.col("head_id"))
            .fill_null("")
            .alias("id_number"),
            "town",
            "village",
            labelled(pl.col("rule_id"), rule_labels).alias("issue"),
            "evidence",
            list_status().alias("status"),
            pl.lit(deadline.isoformat()).alias("deadline"),
        )
    )
    written = []
    for (dept,), group in rows.partition_by("department", as_dict=True, maintain_order=True).items():
        label, name = config.department(dept).label, config.department(dept).file_name
        written.append(
            SheetJob(
                folder / "departments" / name / f"{quarter}_{name}_交办单.xlsx",
                title=spec.title.format(county=config.county_name, quarter=quarter_label(quarter), department=label),
                note=spec.note.format(deadline=f"{deadline:%Y年%-m月%-d日}", return_to=spec.return_to),
                columns=spec.columns,
                sign_off=spec.sign_off,
                rows=group.sort("number"),
                colours=layout.colours,
                created=created,
                printing=layout.print,
                choices={"result": spec.settlement_choices},
                freeze_through=spec.freeze_through,
            )
        )
    return written
