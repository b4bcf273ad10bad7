"""民政局: 低保, 特困 and 临时救助 records, as tab-delimited GBK text."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from transforms.sample_county.county import COUNTY, County, Plan, Row
from transforms.sample_county.messy import (
    _file_counts,
    add_duplicates,
    interleave,
    order_duplicates,
    plant_bad,
    record,
    render_amount,
    render_date,
    write_delimited,
)
from transforms.settings import Quarter


def write_civil(county: County, q: Quarter, inbox: Path, plan: Plan) -> None:
    rng = county.rng
    rows = []
    people = [(p["id_number"], p["name"], p["town"], p["village"]) for p in county.persons[::9]]
    people += [
        (o.id_number, o.name, o.town, o.village) for o in county.outsiders[:: max(1, len(county.outsiders) // 60)]
    ]
    for i, (idn, name, town, village) in enumerate(people):
        kind = ["农村低保", "农村低保", "特困供养", "临时救助", "城市低保"][i % 5]
        if kind == "临时救助":
            start = q.first_day + timedelta(days=rng.randint(0, 80))
            status, end, amount = "停保", start, float(rng.choice([1000, 1500, 2000, 3000]))
        else:
            start = date(q.year - rng.randint(1, 4), rng.randint(1, 12), 1)
            status = ["在保", "在保", "在保", "渐退期", "停保"][i % 5 if i % 7 else 4]
            end = q.first_day + timedelta(days=rng.randint(0, 85)) if status == "停保" else None
            amount = float(rng.choice([420, 480, 560, 600, 650]))
        clean = {
            "id_number": idn,
            "name": name,
            "town": town,
            "village": village,
            "assistance_type": kind,
            "status": status,
            "start_date": start,
            "end_date": end,
            "amount": amount,
        }
        shown_kind = "农村最低生活保障" if kind == "农村低保" and i % 4 == 0 else kind
        rows.append(
            Row(
                [
                    idn,
                    name,
                    town,
                    village,
                    shown_kind,
                    status,
                    render_date(start, "chinese"),
                    render_date(end, "chinese"),
                    render_amount(amount, 1 if i % 2 else 0),
                ],
                clean,
            )
        )
    header = ["身份证号", "姓名", "乡镇", "村（社区）", "救助类型", "保障状态", "起始日期", "终止日期", "金额（元）"]
    bad = plant_bad(rows, header, rng, 0.03, {"date_invalid": 6, "enum_invalid": 5, "amount_invalid": 8}, 0)
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.01)))
    file = f"低保特困临时救助_{q}.txt"
    numbered = write_delimited(
        inbox / "民政局" / file,
        f"{COUNTY}{q.year}年第{q.number}季度低保对象名册",
        header,
        rows,
        encoding="gb18030",
        delimiter="\t",
        footer=[["合计", f"{len(rows)}人"], ["制表人：赵敏"]],
        blank_every=25,
    )
    record(plan, "civil", "民政局", file, "", numbered, "civil__assistance")
    blanks = (len(rows) - 1) // 25
    _file_counts(
        plan, "civil", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=2, blank_rows_in_data=blanks
    )
