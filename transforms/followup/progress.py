"""`povwatch status`: where the loop of a quarter stands, per town and per department, in the
terminal — read from the last follow-up published (`followup/<quarter>/`), counts only."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from transforms.config import load_config
from transforms.followup.outputs import SETTLEMENTS, VERIFICATIONS, orders_view


def progress_lines(data_root: Path, quarter: str) -> list[str]:
    """The lines `povwatch status` prints. Raises FileNotFoundError (a one-line, Chinese then
    English reason) when read-returns has not published this quarter yet."""
    folder = data_root / "followup" / quarter
    if not (folder / "followup.parquet").is_file():
        raise FileNotFoundError(
            f"尚无{quarter}的跟踪情况，请先运行 povwatch read-returns / no follow-up for {quarter} yet: run read-returns"
        )
    followup = pl.read_parquet(folder / "followup.parquet")
    as_of = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    labels = load_config().department_labels
    lines = [
        f"[{quarter}] 截至 as of {as_of}",
        "",
        "乡镇 town        名单户 listed  已反馈 answered  " + "  ".join(VERIFICATIONS) + "  逾期 overdue",
    ]
    rows = pl.read_parquet(folder / "followup_listing.parquet")
    for (town,), g in sorted(rows.partition_by("town", as_dict=True).items()):
        counts = dict(g.group_by("verification").len().iter_rows())
        answered = sum(counts.get(v, 0) for v in VERIFICATIONS)
        lines.append(
            f"{town:<12}{g.height:>8}{answered:>12}  " + "  ".join(f"{counts.get(v, 0):>4}" for v in VERIFICATIONS)
            + f"{int(g['verification_overdue'].sum()):>10}"
        )  # fmt: skip
    lines += ["", "部门 department   工单 orders  " + "  ".join(SETTLEMENTS) + "  逾期 overdue"]
    for (dept,), g in sorted(orders_view(followup).partition_by("department", as_dict=True).items()):
        counts = dict(g.group_by("settlement").len().iter_rows())
        lines.append(
            f"{labels.get(dept, dept):<12}{g.height:>10}  " + "  ".join(f"{counts.get(v, 0):>6}" for v in SETTLEMENTS)
            + f"{int(g['settlement_overdue'].sum()):>10}"
        )  # fmt: skip
    return lines
