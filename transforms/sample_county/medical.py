"""医保局: enrolment and claim settlements (millions of rows at county scale, made column-wise with numpy)."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

from transforms.sample_county.county import (
    COUNTY,
    GIVEN,
    HOSPITALS,
    SURNAMES,
    County,
    Plan,
    Row,
    SampleSize,
    ids_vectorised,
)
from transforms.sample_county.messy import (
    _file_counts,
    add_duplicates,
    float_mangled,
    interleave,
    order_duplicates,
    plant_bad,
    record,
    write_delimited,
)
from transforms.settings import Quarter


def enrolment_rows(county: County, q: Quarter) -> list[Row]:
    rng = county.rng
    rows = []
    for i, p in enumerate(county.persons):
        status = "正常参保" if i % 41 else rng.choice(["暂停参保", "未参保", "终止参保"])
        scheme = "城乡居民基本医疗保险" if i % 13 else "职工基本医疗保险"
        subsidised = "是" if p["household_type"] == "监测户" or i % 3 == 0 else "否"
        if i % 37 == 11:  # a scheme switch: one ended row and one current row
            rows.append(
                Row(
                    [p["id_number"], p["name"], "终止参保", "职工医保", "否"],
                    {
                        "id_number": p["id_number"],
                        "name": p["name"],
                        "insured_status": "终止参保",
                        "scheme": "职工基本医疗保险",
                        "subsidised": "否",
                    },
                )
            )
        shown_scheme = "居民医保" if i % 7 == 0 and scheme.startswith("城乡") else scheme
        rows.append(
            Row(
                [p["id_number"], p["name"], status, shown_scheme, subsidised],
                {
                    "id_number": p["id_number"],
                    "name": p["name"],
                    "insured_status": status,
                    "scheme": scheme,
                    "subsidised": subsidised,
                },
            )
        )
    for o in county.outsiders[: len(county.outsiders) // 2]:
        rows.append(
            Row(
                [o.id_number, o.name, "正常参保", "城乡居民基本医疗保险", "否"],
                {
                    "id_number": o.id_number,
                    "name": o.name,
                    "insured_status": "正常参保",
                    "scheme": "城乡居民基本医疗保险",
                    "subsidised": "否",
                },
            )
        )
    return rows


def write_medical(county: County, size: SampleSize, q: Quarter, inbox: Path, plan: Plan, seed: int) -> None:
    rng = county.rng
    folder = inbox / "医保局"
    header = ["公民身份号码", "姓名", "参保状态", "险种类型", "是否资助参保"]
    rows = enrolment_rows(county, q)
    bad = plant_bad(rows, header, rng, 0.01, {"enum_invalid": 2, "required_missing": 1}, 0)
    rows = order_duplicates(interleave(rng, rows, bad + add_duplicates(rows, rng, 0.005)))
    file = f"参保信息_{q}.csv"
    # The header says 身份证号, an alias of 公民身份号码; the file is GBK, as Windows exports it.
    numbered = write_delimited(
        folder / file,
        f"{COUNTY}基本医疗保险参保人员信息（{q}）",
        ["身份证号", *header[1:]],
        rows,
        encoding="gbk",
        delimiter=",",
        footer=[["合计", f"{len(rows)}条"]],
    )
    record(plan, "medical", "医保局", file, "", numbered, "medical__enrolment")
    _file_counts(plan, "medical", file, sheets={"": numbered}, title=1, header=1, blank=1, footer=1)
    write_settlements(county, size, q, folder, plan, seed)


SETTLEMENT_HEADER = [
    "公民身份号码",
    "姓名",
    "结算日期",
    "就诊类型",
    "医疗总费用",
    "政策范围内费用",
    "基本医保统筹支付",
    "大病保险支付",
    "医疗救助支付",
    "个人自付",
    "定点医疗机构",
]


SETTLEMENT_CHUNK = 3_000_000  # rows made and written at a time (10 × county is 30 million)


def write_settlements(county: County, size: SampleSize, q: Quarter, folder: Path, plan: Plan, seed: int) -> None:
    """Claims, vectorised so a county's millions of rows are made in seconds, and made and
    appended chunk by chunk so 10 × county fits in memory. UTF-8 with BOM."""
    roster_ids = np.array([p["id_number"] for p in county.persons])
    roster_names = np.array([p["name"] for p in county.persons])
    if size.outsiders > len(county.outsiders):
        out_ids = ids_vectorised(size.outsiders, seed + 7)
        out_names = np.array([SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] for i in range(len(out_ids))])
    else:
        out_ids = np.array([o.id_number for o in county.outsiders])
        out_names = np.array([o.name for o in county.outsiders])
    file = f"结算明细_{q}.csv"
    path = folder / file
    text = f"{COUNTY}医疗保障结算明细（{q}）\r\n" + ",".join(SETTLEMENT_HEADER) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    row_offset, data_rows = 3, 0  # title line 1, header line 2, data from line 3 on
    for k, start in enumerate(range(0, size.settlements, SETTLEMENT_CHUNK)):
        n = min(SETTLEMENT_CHUNK, size.settlements - start)
        g = np.random.default_rng(seed + q.number if k == 0 else [seed + q.number, k])
        rendered = _settlement_chunk(
            g, n, size, q, (roster_ids, roster_names), (out_ids, out_names), plan, file, row_offset
        )
        buf = io.BytesIO()
        rendered.select(pl.exclude("i", "pos", "row_number", "kind")).write_csv(
            buf, include_header=False, line_terminator="\r\n"
        )
        with path.open("ab") as fh:
            fh.write(buf.getvalue())
        row_offset += rendered.height
        data_rows += rendered.height
    plan.files.append(
        {
            "department": "medical",
            "file": file,
            "data_rows": data_rows,
            "title": 1,
            "header": 1,
            "footer": 0,
            "blank": 0,
        }
    )


def _settlement_chunk(
    g: np.random.Generator,
    n: int,
    size: SampleSize,
    q: Quarter,
    roster: tuple,
    outsiders: tuple,
    plan: Plan,
    file: str,
    row_offset: int,
) -> pl.DataFrame:
    """n claims with planted bad rows and duplicates recorded in `plan`; rows numbered from `row_offset`."""
    (roster_ids, roster_names), (out_ids, out_names) = roster, outsiders
    roster_share = 0.2
    n_roster = int(n * roster_share)
    pick_r = g.integers(0, len(roster_ids), n_roster)
    pick_o = g.integers(0, len(out_ids), n - n_roster)
    ids = np.concatenate([roster_ids[pick_r], out_ids[pick_o]])
    names = np.concatenate([roster_names[pick_r], out_names[pick_o]])
    on_roster = np.arange(n) < n_roster
    order = g.permutation(n)
    ids, names, on_roster = ids[order], names[order], on_roster[order]
    days = g.integers(0, (q.last_day - q.first_day).days + 1, n)
    inpatient = np.where(on_roster, min(1.0, size.inpatient_share * 2), size.inpatient_share)
    draw = g.random(n)
    visit = np.where(
        draw < inpatient, "住院", np.where(draw < inpatient + (1 - inpatient) / 3, "门诊慢特病", "普通门诊")
    )
    total = np.round(np.where(visit == "住院", g.lognormal(8.6, 0.9, n), g.lognormal(5.3, 0.8, n)), 2)
    # Roster persons get the three layers' tilted terms (三重保障, 倾斜支付): most of their cost
    # inside the catalogue, higher fund shares, a lower serious-illness threshold and medical
    # assistance on 70% of what is left inside policy — about one claimant in five ends the
    # year above a 10% out-of-pocket share. Everyone else: ordinary terms, rare assistance.
    inside = np.where(
        on_roster,
        np.where(g.random(n) < 0.95, g.uniform(0.96, 0.998, n), g.uniform(0.7, 0.9, n)),
        g.uniform(0.7, 0.97, n),
    )
    policy = np.round(total * inside, 2)
    fund_share = np.where(
        on_roster,
        np.select([visit == "住院", visit == "门诊慢特病"], [0.85, 0.8], 0.7),
        np.where(visit == "普通门诊", 0.5, 0.7),
    )
    fund = np.round(policy * fund_share, 2)
    serious = np.round(np.clip((policy - np.where(on_roster, 7500, 15000)) * 0.6, 0.0, policy - fund), 2)
    assist = np.round(
        np.where(
            on_roster,
            np.where(g.random(n) < 0.95, (policy - fund - serious) * 0.7, 0.0),
            np.where(g.random(n) < 0.1, (total - fund - serious) * 0.5, 0.0),
        ),
        2,
    )
    oop = np.round(total - fund - serious - assist, 2)
    hospital = g.choice(np.array(HOSPITALS), n)
    frame = pl.DataFrame(
        {
            "id_number": ids,
            "name": names,
            "settled_on": pl.Series(days).cast(pl.Int32),
            "visit_type": visit,
            "total_cost": total,
            "policy_cost": policy,
            "fund_paid": fund,
            "serious_illness_paid": serious,
            "assistance_paid": assist,
            "out_of_pocket": oop,
            "hospital": hospital,
        }
    ).with_columns((pl.lit(q.first_day) + pl.duration(days=pl.col("settled_on"))).cast(pl.Date).alias("settled_on"))
    clean = frame.with_row_index("i")
    money = ["total_cost", "policy_cost", "fund_paid", "serious_illness_paid", "assistance_paid", "out_of_pocket"]
    style = pl.col("i") % 4
    rendered = clean.select(
        "i",
        pl.when(pl.col("i") % 53 == 0)
        .then(pl.col("id_number").str.to_lowercase())
        .otherwise(pl.col("id_number"))
        .alias("id_number"),
        "name",
        pl.when(style == 0)
        .then(pl.col("settled_on").dt.strftime("%Y-%m-%d"))
        .when(style == 1)
        .then(pl.col("settled_on").dt.strftime("%Y/%-m/%-d"))
        .when(style == 2)
        .then(pl.col("settled_on").dt.strftime("%Y年%-m月%-d日"))
        .otherwise(pl.col("settled_on").dt.strftime("%Y%m%d"))
        .alias("settled_on"),
        "visit_type",
        *[
            pl.when(pl.col("i") % 5 == 0)
            .then(
                pl.col(m).map_batches(lambda s: pl.Series([f"{v:,.2f}元" for v in s.to_list()]), return_dtype=pl.String)
                if n <= 200_000
                else pl.col(m).round(2).cast(pl.String) + pl.lit("元")
            )
            .otherwise(pl.col(m).round(2).cast(pl.String))
            .alias(m)
            for m in money
        ],
        "hospital",
    )
    # Planted bad rows: replace a cell in ~0.5% of rows (recorded), from clean rows chosen at random.
    n_bad = max(6, n // 200)
    bad_idx = np.sort(g.choice(n, n_bad, replace=False))
    kinds = np.array(
        [
            "id_check_digit",
            "id_float",
            "date_invalid",
            "amount_invalid",
            "amount_negative",
            "enum_invalid",
            "policy_cost_exceeds_total",
            "required_missing",
            "date_after_quarter_end",
        ]
    )
    bad_kind = kinds[np.arange(n_bad) % len(kinds)]
    bad = pl.DataFrame({"i": bad_idx.astype(np.uint32), "kind": bad_kind})
    bad_rows = rendered.join(bad, on="i").sort("i")
    fixes = []
    for r in bad_rows.iter_rows(named=True):
        k = r["kind"]
        if k == "id_check_digit":
            idn = r["id_number"].upper()
            r["id_number"] = idn[:-1] + next(c for c in "0123456789X" if c != idn[-1])
        elif k == "id_float":
            r["id_number"] = float_mangled(r["id_number"])
        elif k == "date_invalid":
            r["settled_on"] = f"{q.year}-{q.number * 3 + 1:02d}-32"
        elif k == "amount_invalid":
            r["out_of_pocket"] = "待定"
        elif k == "amount_negative":
            r["total_cost"] = "-" + r["total_cost"].replace("元", "")
            r["policy_cost"] = "0"
        elif k == "enum_invalid":
            r["visit_type"] = "急诊留观"
        elif k == "policy_cost_exceeds_total":
            r["policy_cost"] = str(float(r["total_cost"].replace(",", "").replace("元", "")) + 100)
        elif k == "required_missing":
            r["name"] = None
        elif k == "date_after_quarter_end":  # a claim of the next quarter sent early
            r["settled_on"] = (q.last_day + timedelta(days=13)).isoformat()
        fixes.append(r)
    fixed = pl.DataFrame(fixes, schema=bad_rows.schema).drop("kind")
    rendered = pl.concat([rendered.filter(~pl.col("i").is_in(bad_idx.tolist())), fixed]).sort("i")
    # Duplicates: ~0.3% of clean rows exported twice, the copy placed later in the file.
    clean_pool = np.setdiff1d(np.arange(n), bad_idx)
    dup_src = np.sort(g.choice(clean_pool, max(3, n // 300), replace=False))
    dups = rendered.filter(pl.col("i").is_in(dup_src.tolist())).with_columns(
        (pl.col("i").cast(pl.Float64) + 0.5 + (pl.lit(n) - pl.col("i")).cast(pl.Float64) / 2).alias("pos")
    )
    rendered = pl.concat([rendered.with_columns(pl.col("i").cast(pl.Float64).alias("pos")), dups]).sort("pos")
    rendered = rendered.with_row_index("row_number", offset=row_offset)
    is_dup = rendered.select(pl.col("i").is_duplicated() & ~pl.col("i").is_first_distinct()).to_series()
    plan.duplicates.extend(("medical", file, "", int(r)) for r in rendered.filter(is_dup)["row_number"].to_list())
    bad_numbers = rendered.filter(pl.col("i").is_in(bad_idx.tolist())).join(bad, on="i")
    plan.bad.extend(("medical", file, "", int(r), k) for r, k in bad_numbers.select("row_number", "kind").iter_rows())
    if n <= 200_000:
        plan.clean["medical__settlements"] = (
            frame.with_row_index("i").filter(~pl.col("i").is_in(bad_idx.tolist())).drop("i").to_dicts()
        )
    else:
        plan.clean["medical__settlements"] = []
    return rendered
