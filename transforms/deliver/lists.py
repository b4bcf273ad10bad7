"""What people receive: a warning list per town (预警名单) and work orders per department
(交办单), as Excel made for a clerk. Layout lives in `config/excel_layout.yaml`.

A town's file holds only its own households and candidates, identity numbers masked (first 6
and last 4 characters). Work orders carry the full number: the department acts on the exact
person and supplied the number itself.
"""

from __future__ import annotations

import re
from datetime import date

import duckdb
import polars as pl

from transforms.config import CountyConfig
from transforms.kit.masking import mask_id
from transforms.kit.numbering import allocate
from transforms.settings import UNKNOWN_TOWN

STATUS_ORDER = {"办结后仍预警": 5, "核实不属实后依据已变化": 4, "升级": 3, "新增": 2, "持续": 1}


def list_status() -> pl.Expr:
    """与上季度相比, as the lists say it: the status, or what last quarter's answer makes of it —
    a work order reported 已办结 that still fires (办结后仍预警), a warning found 不属实 whose
    evidence has changed since (sent again, saying so)."""
    followup = pl.col("followup")
    changed = pl.lit("核实不属实后依据已变化")
    return (
        pl.when(followup == "已办结")
        .then(pl.lit("办结后仍预警"))
        .when((followup == "不属实") & pl.col("changed_since_judged").is_not_null())  # saying what changed
        .then(pl.concat_str([changed, pl.lit("："), pl.col("changed_since_judged")]))
        .when(followup == "不属实")
        .then(changed)
        .otherwise(pl.col("status"))
    )


def assign_work_order_numbers(
    con: duckdb.DuckDBPyConnection, quarter: str, warnings: pl.DataFrame, prefixes: dict[str, str]
) -> pl.DataFrame:
    """Number every department work order `2026Q3-HOU-000123` (`prefixes`: department code ->
    HOU, from departments.yaml); a warning keeps its number when the quarter is rerun (numbers
    are kept in the warehouse, new ones continue the sequence)."""
    orders = (
        warnings.filter(pl.col("department").is_in(list(prefixes)) & pl.col("listed"))
        .with_columns(pl.coalesce("id_number", "household_id").alias("subject"))
        .with_row_index("_order")
        .sort("department", "rule_id", "subject")
    )
    prefix = pl.lit(f"{quarter}-") + pl.col("department").replace_strict(prefixes, return_dtype=pl.String) + pl.lit("-")
    numbered = allocate(con, "work_order_numbers", quarter, orders, prefix)
    return numbered.sort("_order").drop("_order").sort("number")


def labelled(expr: pl.Expr, labels: dict[str, str], default: str | None = None) -> pl.Expr:
    """The label of each code; a code without one stays as it is (or becomes `default`)."""
    return expr.replace_strict(labels, default=expr if default is None else pl.lit(default), return_dtype=pl.String)


def people_names(people: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(id_number -> name, `_known`) and (household_id -> its 户主's name and id_number)."""
    names = people.select("id_number", "name", pl.lit(True).alias("_known")).unique(
        "id_number", keep="last", maintain_order=True
    )
    heads = (
        people.filter(pl.col("relation") == "户主")
        .select("household_id", pl.col("name").alias("head_name"), pl.col("id_number").alias("head_id"))
        .unique("household_id", keep="last", maintain_order=True)
    )
    return names, heads


def yuan(amount: pl.Expr, decimals: int = 2) -> pl.Expr:
    """An amount as people read money everywhere in povwatch (the rules' evidence writes it the
    same way in SQL, `format('{:,.2f}', …)`): thousands separated, `5,820.27`."""
    return amount.map_elements(lambda v: f"{v:,.{decimals}f}", return_dtype=pl.String, skip_nulls=True)


def listing_without_rule(basis: pl.DataFrame | None, config: CountyConfig) -> pl.DataFrame:
    """For a household listed without a rule of its own (a 监测户 whose risk is not eliminated: red;
    income under the yellow line: yellow), what its row says: 预警依据 with the figures, 风险类型
    (the roster's 主要风险类型, else the income cause), the county office answering for it, and
    与上季度相比 from last quarter's colour. Keyed by household_id and colour."""
    schema = {
        "household_id": pl.String,
        "_colour": pl.String,
        "_evidence": pl.String,
        "_causes": pl.String,
        "_department": pl.String,
        "_status": pl.String,
    }
    if basis is None or basis.is_empty():
        return pl.DataFrame(schema=schema)
    figures = {
        "monitoring_type": pl.col("monitoring_type").fill_null("监测户"),
        "income": yuan(pl.col("per_capita_income")),
        "yellow_line": yuan(pl.col("yellow_line"), decimals=0),
    }
    monitored = _filled(config.listing_evidence["monitored_risk"], figures)
    low = _filled(config.listing_evidence["below_yellow_line"], figures)
    previous = pl.col("previous_colour")
    rows = []
    for colour, evidence in (("red", monitored), ("yellow", low)):
        rows.append(
            basis.select(
                "household_id",
                pl.lit(colour).alias("_colour"),
                evidence.alias("_evidence"),
                pl.coalesce(pl.col("risk_cause"), pl.lit(config.causes.get("income", "其他"))).alias("_causes"),
                pl.lit(config.county_office.label).alias("_department"),
                pl.when(previous == colour)
                .then(pl.lit("持续"))
                .when((previous == "yellow") & (colour == "red"))
                .then(pl.lit("升级"))
                .when(previous == "red")
                .then(pl.lit("持续"))
                .otherwise(pl.lit("新增"))
                .alias("_status"),
            )
        )
    return pl.concat(rows).cast(schema)


def _filled(template: str, values: dict[str, pl.Expr]) -> pl.Expr:
    """`template` with each {name} replaced by that expression's value, row by row."""
    pieces = re.split(r"\{(\w+)\}", template)  # literal, name, literal, name, …
    return pl.concat_str([values[p] if i % 2 else pl.lit(p) for i, p in enumerate(pieces) if p or i % 2])


def _household_warnings(warnings: pl.DataFrame, names: pl.DataFrame, config: CountyConfig) -> pl.DataFrame:
    """Per household, its listed warnings as its row shows them: the evidence (a warning on a person
    found in the roster names them: "张三：…"), the rules, the departments, the weightiest status."""
    rule_labels = {r.rule_id: r.label for r in config.rules}
    department_labels, office = config.department_labels, config.county_office.label
    status_rank = (  # (a status may say more after its name: 核实不属实后依据已变化：个人自付由…)
        pl.col("status").str.split("：").list.first().replace_strict(STATUS_ORDER, default=0, return_dtype=pl.Int64)
    )
    return (
        warnings.filter(pl.col("household_id").is_not_null())
        .join(names, on="id_number", how="left", maintain_order="left")
        .group_by("household_id", maintain_order=True)
        .agg(
            pl.when(pl.col("_known"))
            .then(pl.concat_str([pl.col("name").fill_null(""), pl.lit("："), pl.col("evidence")]))
            .otherwise(pl.col("evidence"))
            .str.join("；")
            .alias("evidence"),
            labelled(pl.col("rule_id"), rule_labels).unique(maintain_order=True).str.join("；").alias("rules"),
            labelled(pl.col("department"), department_labels, office)
            .unique()
            .sort()
            .str.join("、")
            .alias("departments"),
            pl.col("status").sort_by(status_rank, descending=True).first().alias("status"),
        )
    )


def _without_rule_of_its_own(config: CountyConfig) -> list[pl.Expr]:
    """A household listed without a rule of its own: the listing's own reason, figures and office;
    its causes as labels (a rule's, else the listing's or the pending suggestion's)."""
    no_rule = pl.col("rules").is_null()
    return [
        pl.when(no_rule).then(pl.col("_evidence")).otherwise(pl.col("evidence")).alias("evidence"),
        pl.when(no_rule).then(pl.col("_department")).otherwise(pl.col("departments")).alias("departments"),
        pl.when(no_rule).then(pl.coalesce("_status", "_note_status")).otherwise(pl.col("status")).alias("status"),
        pl.when(pl.col("causes").list.len() > 0)
        .then(
            pl.col("causes")
            .list.eval(labelled(pl.element(), config.causes))
            .list.unique(maintain_order=True)
            .list.join("、")
        )
        .otherwise(pl.coalesce("_causes", labelled(pl.col("_note_cause"), config.causes)))
        .alias("causes"),
    ]


def _listed_households(
    households: pl.DataFrame,
    by_household: pl.DataFrame,
    heads: pl.DataFrame,
    basis: pl.DataFrame | None,
    notes: pl.DataFrame,
    config: CountyConfig,
    colour_labels: dict[str, str],
) -> pl.DataFrame:
    """One row per listed household, with its warnings, or why it is listed without a rule of its
    own, and what another department's row probably says of its person."""
    reasons = config.listing_reasons
    return (
        households.sort("town", "village", "household_id")
        .join(by_household, on="household_id", how="left", maintain_order="left")
        .join(heads, on="household_id", how="left", maintain_order="left")
        .join(
            listing_without_rule(basis, config),
            left_on=["household_id", "colour"],
            right_on=["household_id", "_colour"],
            how="left",
            maintain_order="left",
        )
        .join(notes, on="household_id", how="left", maintain_order="left")
        .with_columns(_without_rule_of_its_own(config))
        .select(
            "town",
            "household_id",
            pl.col("household_id").alias("_subject"),
            pl.col("head_name").fill_null("").alias("name"),
            mask_id(pl.col("head_id")).alias("id_masked"),
            "village",
            "household_type",
            "members",
            labelled(pl.col("colour"), colour_labels).alias("colour"),
            pl.col("colour").alias("_fill"),
            pl.col("causes").fill_null(""),
            pl.col("rules").fill_null(
                pl.when(pl.col("colour") == "red")
                .then(pl.lit(reasons["monitored_risk"]))
                .when(pl.col("colour") == "yellow")
                .then(pl.lit(reasons["below_yellow_line"]))
                .otherwise(pl.lit(reasons["suspected_mistyped_number"]))
            ),
            pl.concat_str(
                [
                    pl.when(
                        (pl.col("colour") == "green") & pl.col("rules").is_not_null()
                    ).then(  # a work order alone: say so
                        pl.concat_str([pl.lit(reasons["green_with_work_order"] + "："), pl.col("evidence")])
                    ),
                    pl.when(pl.col("colour") != "green").then(pl.col("evidence")),
                    pl.col("_note"),  # another department's row that is probably this household's person
                ],
                separator="；",
                ignore_nulls=True,
            ).alias("evidence"),
            pl.col("departments").fill_null(config.county_office.label),
            pl.col("status").fill_null(""),
        )
    )


def _candidate_rows(
    warnings: pl.DataFrame, names: pl.DataFrame, config: CountyConfig, colour_labels: dict[str, str]
) -> pl.DataFrame:
    """One row per person not on the roster behind a NEW_CANDIDATE (乡镇不明: the county office's)."""
    reasons, office = config.listing_reasons, config.county_office.label
    rule_labels = {r.rule_id: r.label for r in config.rules}
    return (
        warnings.filter(pl.col("rule_id") == "NEW_CANDIDATE")
        .sort("id_number")
        .join(names, on="id_number", how="left", maintain_order="left")
        .select(
            pl.when(pl.col("town") != "").then(pl.col("town")).otherwise(pl.lit(UNKNOWN_TOWN)).alias("town"),
            pl.lit("").alias("household_id"),
            pl.col("id_number").alias("_subject"),
            pl.col("name").fill_null(""),
            mask_id(pl.col("id_number")).alias("id_masked"),
            pl.col("village").fill_null(""),
            pl.lit(reasons["candidate"]).alias("household_type"),
            pl.lit(None, dtype=pl.Int64).alias("members"),
            pl.lit(colour_labels["candidate"]).alias("colour"),
            pl.lit("candidate").alias("_fill"),
            labelled(pl.col("cause"), config.causes).alias("causes"),
            pl.lit(rule_labels["NEW_CANDIDATE"]).alias("rules"),
            "evidence",
            pl.lit(office).alias("departments"),
            "status",
        )
    )


def town_list_rows(
    warnings: pl.DataFrame,
    households: pl.DataFrame,
    people: pl.DataFrame,
    config: CountyConfig,
    colours: dict,
    deadline: date,
    basis: pl.DataFrame | None = None,
    notes: pl.DataFrame | None = None,
) -> dict[str, pl.DataFrame]:
    """Rows of each town's list: one per listed household, then one per candidate not on the roster,
    village by village, red first. Labels (rules, departments, causes, why a household is listed)
    come from the registries; a household listed without a rule of its own says why with its
    figures (`basis`: sql/outputs/out_listing_basis.sql). A household another department's row
    probably belongs to (a pending suggestion: `notes`, linkage.one_person) says so on its row."""
    if notes is None:
        notes = pl.DataFrame(
            schema={"household_id": pl.String, "note": pl.String, "cause": pl.String, "status": pl.String}
        )
    notes = notes.select(
        "household_id",
        pl.col("note").alias("_note"),
        pl.col("cause").alias("_note_cause"),
        pl.col("status").alias("_note_status"),
    )
    names, heads = people_names(people)
    colour_labels = {k: v.label for k, v in colours.items()}
    # a warning not sent (不属实, evidence unchanged) is in no list
    warnings = warnings.filter(pl.col("listed")).with_columns(list_status().alias("status"))
    by_household = _household_warnings(warnings, names, config)
    listed = _listed_households(households, by_household, heads, basis, notes, config, colour_labels)
    candidates = _candidate_rows(warnings, names, config, colour_labels)
    # The order a cadre works in: village by village, red first, then household (or person).
    colour_rank = pl.col("_fill").replace_strict(COLOUR_ORDER, default=len(COLOUR_ORDER), return_dtype=pl.Int64)
    rows = (
        pl.concat([listed, candidates.cast(listed.schema)], how="vertical")
        .sort(
            pl.col("town"),
            pl.col("village").replace("", None),
            colour_rank,
            pl.col("_subject"),
            nulls_last=True,
            maintain_order=True,
        )  # (a person whose village is not known: after the villages)
        .with_columns(
            pl.int_range(1, pl.len() + 1).over("town").alias("seq"), pl.lit(deadline.isoformat()).alias("deadline")
        )
    )
    return {town: frame.drop("town") for (town,), frame in rows.partition_by("town", as_dict=True).items()}


def flag_risk_returned(
    towns: dict[str, pl.DataFrame], returned: pl.DataFrame | None, config: CountyConfig
) -> dict[str, pl.DataFrame]:
    """A household back at risk after 消除 (返贫风险, sql/outputs/out_risk_returned.sql) says so
    first in its row's 预警依据, in the words of rules.yaml listing_reasons.risk_returned."""
    if returned is None or returned.is_empty():
        return towns
    ids = returned["household_id"].to_list()
    flag = pl.lit(config.listing_reasons["risk_returned"] + "；")
    return {
        town: rows.with_columns(
            pl.when(pl.col("household_id").is_in(ids))
            .then(pl.concat_str([flag, pl.col("evidence")]))
            .otherwise(pl.col("evidence"))
            .alias("evidence")
        )
        for town, rows in towns.items()
    }


LISTING_INFIX = "YJ"  # 预警
COLOUR_ORDER = {"red": 0, "yellow": 1, "green": 2, "candidate": 3}


def assign_listing_numbers(
    con: duckdb.DuckDBPyConnection, quarter: str, towns: dict[str, pl.DataFrame]
) -> dict[str, pl.DataFrame]:
    """Give every town-list row its 预警编号 (`2026Q3-YJ-000123`, column `listing_no`): the row
    of a household (or of a person not on the roster) keeps its number when the quarter is rerun;
    new rows continue the sequence, town by town in the lists' order. Returned lists are matched
    by it."""
    if not towns:
        return {}
    rows = pl.concat(
        [
            frame.with_columns(pl.lit(town).alias("town"), pl.col("_subject").alias("subject"))
            for town, frame in sorted(towns.items())
        ],
        how="vertical",
    )
    numbered = allocate(con, "listing_numbers", quarter, rows, pl.lit(f"{quarter}-{LISTING_INFIX}-"))
    numbered = numbered.rename({"number": "listing_no"})
    return {
        town: numbered.filter(pl.col("town") == town).drop("town", "subject").select(*frame.columns, "listing_no")
        for town, frame in sorted(towns.items())
    }
