"""SQL tests: rows in, rows out, on a real DuckDB with the project's own staging and rule models."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from transforms.compare.comparison import compare_with_roster
from transforms.config import load_config
from transforms.intake.cells import id_check_char
from transforms.settings import Quarter
from transforms.staging.warehouse import connect, empty_rows, stage_dataset

Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")


def person_id(born: date, seq: int) -> str:
    stem = f"431125{born:%Y%m%d}{seq:03d}"
    return stem + id_check_char(stem)


HEAD = person_id(date(1980, 5, 1), 11)
SPOUSE = person_id(date(1982, 3, 2), 22)
OUTSIDER = person_id(date(1970, 1, 1), 33)


def roster_row(
    id_number: str,
    *,
    household_id: str = "H1",
    relation: str = "户主",
    income: float = 8000.0,
    size: int = 2,
    household_type: str = "脱贫户",
    monitoring_type: str | None = None,
    risk_eliminated: str | None = None,
    town: str = "城关镇",
    village: str = "南门村",
) -> dict:
    return {"household_id": household_id, "id_number": id_number, "name": "某", "relation": relation,
            "town": town, "village": village, "household_type": household_type, "monitoring_type": monitoring_type,
            "risk_eliminated": risk_eliminated, "household_size": size, "per_capita_income": income,
            "labour_status": "普通劳动力", "risk_cause": None}  # fmt: skip


class County:
    """A warehouse in memory, staged dataset by dataset, then compared."""

    def __init__(self) -> None:
        self.con = connect(None)
        self.config = load_config()

    def stage(self, dataset: str, quarter: Quarter, rows: list[dict]) -> None:
        ds = self.config.dataset(dataset)
        empty = empty_rows(ds)
        filled = [
            {**{c: None for c in empty.columns}, "source_file": "t.csv", "source_sheet": "", "source_row": i + 2, **r}
            for i, r in enumerate(rows)
        ]
        frame = pl.DataFrame(filled, schema=empty.schema) if filled else empty
        stage_dataset(self.con, ds, quarter, frame)

    def stage_all_empty(self, quarter: Quarter) -> None:
        for ds in self.config.datasets:
            self.stage(ds.code, quarter, [])

    def compare(self, quarter: Quarter):
        return compare_with_roster(self.con, quarter, self.config)

    def fired(self, quarter: Quarter, rule_id: str | None = None) -> list[tuple]:
        w = self.compare(quarter).warnings
        if rule_id:
            w = w.filter(pl.col("rule_id") == rule_id)
        return w.select("rule_id", "household_id", "id_number").rows()


@pytest.fixture()
def county() -> County:
    c = County()
    c.stage_all_empty(Q2)
    c.stage_all_empty(Q3)
    return c
