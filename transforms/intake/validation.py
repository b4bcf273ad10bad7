"""From raw text cells to staged rows: cast each field, then apply the dataset's row contract.

Every data row ends up in exactly one of two frames: accepted (typed, with lineage) or
rejected (with a Chinese reason naming the column as it is headed in the clerk's file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from pandera.errors import SchemaErrors

from schemas.datasets import ROW_CONTRACTS
from transforms.config import DatasetSpec, FieldSpec, ReadingRules
from transforms.intake import cells
from transforms.intake.headers import HeaderMatch
from transforms.intake.reasons import explain

# Which field a dataframe-level check is about, so the reject names a column.
CHECK_FIELDS = {
    "policy_cost_exceeds_total": "policy_cost",
    "end_before_start": "end_date",
    "monitoring_type_missing": "monitoring_type",
}

REJECT_SCHEMA = {
    "department": pl.String,
    "dataset": pl.String,
    "file": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "reason_code": pl.String,
    "row_values": pl.String,
    # Internal (not in rejects.parquet): the person as the row wrote them, and what was wrong with
    # the identity number — for the suggestions of transforms.linkage.
    "id_problem": pl.String,
    "id_as_written": pl.String,
    "name_as_written": pl.String,
    "town_as_written": pl.String,
    "village_as_written": pl.String,
}
PERSON_AS_WRITTEN = ("id_problem", "id_as_written", "name_as_written", "town_as_written", "village_as_written")
# Identity-number problems that may be a clerk's slip (one digit, two swapped): the roster person
# behind them is looked for (transforms.linkage), and a row rejected for one of them alone is
# parked — kept typed, with its number as written — so a later confirmation can still count it.
SLIP_ID_PROBLEMS = ("id_check_digit", "id_birth_date")
_PLACEHOLDER_ID = "0" * 18  # stands in for a parked row's number while its other fields are checked


def as_rejects(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame of reject rows in REJECT_SCHEMA's order, the columns it lacks null."""
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in REJECT_SCHEMA.items() if c not in frame.columns]
    return frame.with_columns(missing).select(list(REJECT_SCHEMA)).cast(REJECT_SCHEMA)


@dataclass(frozen=True)
class SheetRows:
    """The data rows of one sheet, sorted out."""

    accepted: pl.DataFrame
    rejected: pl.DataFrame
    # Rejected rows whose only problem is a slip in the identity number (SLIP_ID_PROBLEMS): typed
    # like accepted rows, `id_number` as written, `name` without spaces.
    parked: pl.DataFrame | None = None


# Confirmed corrections of identity numbers (transforms.linkage.corrections): a row whose number
# as written and name match one is read with the confirmed number instead.
CORRECTION_SCHEMA = {"id_as_written": pl.String, "name_as_written": pl.String, "corrected_id": pl.String}


def _parse(f: FieldSpec, raw: pl.Expr, rules: ReadingRules) -> tuple[pl.Expr, pl.Expr]:
    if f.type in SERIES_PARSERS:  # parsed beforehand, on the whole column (see cast_rows)
        return pl.col(f"pre__{f.name}"), pl.col(f"prewhy__{f.name}")
    if f.type == "integer":
        return cells.parse_integer(raw)
    if f.type == "enum":
        return cells.parse_enum(raw, f.aliases)
    if f.type == "enum_list":
        return cells.parse_enum_list(raw, f.aliases, f.values, f.separators)
    return raw, pl.lit(None, dtype=pl.String)


# Field types parsed on the whole column, each step materialised once (see cells.parse_id_numbers):
# type -> parse(folded text, reading rules) -> (value, reason code).
SERIES_PARSERS = {
    "id_number": lambda raw, rules: cells.parse_id_numbers(raw),
    "date": lambda raw, rules: cells.parse_dates(raw, rules.excel_serial_range, rules.earliest_date),
    "amount": lambda raw, rules: cells.parse_amounts(raw),
}
# Of these, the types whose values repeat (a quarter's claims: the same people, the same days)
# and are parsed once per distinct value; an amount is cast in place (cheaper than finding it).
ON_DISTINCT = {"id_number", "date"}


def _empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


def _on_distinct(raw: pl.Series, parse) -> tuple[pl.Series, pl.Series]:
    """`parse` on each distinct value once, spread back over the rows (a quarter's claims
    repeat the same people and the same days many times)."""
    # mostly distinct (a quarter's identity numbers): spreading back would cost more than it
    # saves — told by an estimate (HyperLogLog), a twentieth of the cost of finding them
    if raw.approx_n_unique() * 2 > raw.len():
        return parse(raw)
    distinct = raw.unique()
    value, why = parse(distinct)
    table = pl.DataFrame({"raw": distinct, "value": value, "why": why})
    out = raw.rename("raw").to_frame().join(table, on="raw", how="left", nulls_equal=True, maintain_order="left")
    return out["value"], out["why"]


def written_id(raw: pl.Expr) -> pl.Expr:
    """An identity number as written, for matching with suggestions: folded, without spaces,
    upper-case (the form `id_as_written` takes when the number is unusable; a usable one is
    matched in its normalised 18-character form)."""
    return raw.str.replace_all(r"\s", "").str.to_uppercase()


def written_name(raw: pl.Expr) -> pl.Expr:
    """A name as written, for matching with suggestions: folded, without spaces (张 三 is 张三)."""
    return raw.str.replace_all(r"\s", "")


def cast_rows(
    data: pl.DataFrame,
    header: HeaderMatch,
    rules: ReadingRules,
    latest_event_date: date | None = None,
    corrections: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Raw data rows -> one column per field (typed), `raw__<field>` (folded text) and
    `why__<field>` (reason code or null), and `id_corrected`. An event date after
    `latest_event_date` (the quarter's last day) is a reason of its own: the row belongs to a
    later quarter. A row whose identity number as written and name match one of `corrections`
    (CORRECTION_SCHEMA; confirmed by the county office) is read with the confirmed number."""
    ds = header.dataset
    exprs: list[pl.Expr] = [pl.col("row_number")]
    for f in ds.fields:
        col = header.columns.get(f.name)
        raw = cells.fold_text(pl.col(col)) if col else pl.lit(None, dtype=pl.String)
        exprs.append(raw.alias(f"raw__{f.name}"))
    # Lazily, so common subexpressions (a folded cell used by a value and by its reason) are
    # computed once.
    folded = data.lazy().select(exprs).collect()
    for f in ds.fields:
        if f.type not in SERIES_PARSERS:
            continue
        parse = SERIES_PARSERS[f.type]
        if f.type in ON_DISTINCT:
            value, why = _on_distinct(folded[f"raw__{f.name}"], lambda raw, parse=parse: parse(raw, rules))
        else:
            value, why = parse(folded[f"raw__{f.name}"], rules)
        if f.event and latest_event_date is not None:
            late = (value > latest_event_date).fill_null(False)
            why = pl.select(
                pl.when(why.is_null() & late).then(pl.lit("date_after_quarter_end")).otherwise(why)
            ).to_series()
        folded = folded.with_columns(value.alias(f"pre__{f.name}"), why.alias(f"prewhy__{f.name}"))
    folded = _apply_corrections(folded, ds, corrections)
    typed: list[pl.Expr] = [pl.col("row_number"), pl.col("id_corrected")]
    for f in ds.fields:
        raw = pl.col(f"raw__{f.name}")
        value, why = _parse(f, raw, rules)
        if f.required:
            why = pl.when(raw.is_null()).then(pl.lit("required_missing")).otherwise(why)
        typed += [value.alias(f.name), why.alias(f"why__{f.name}"), raw]
    return folded.lazy().select(typed).collect()


def _apply_corrections(folded: pl.DataFrame, ds: DatasetSpec, corrections: pl.DataFrame | None) -> pl.DataFrame:
    names = {f.name for f in ds.fields}
    if corrections is None or corrections.is_empty() or not {"id_number", "name"} <= names:
        return folded.with_columns(pl.lit(False).alias("id_corrected"))
    key = folded.select(
        pl.coalesce("pre__id_number", written_id(pl.col("raw__id_number"))).alias("id_as_written"),
        written_name(pl.col("raw__name")).alias("name_as_written"),
    )
    found = key.join(
        corrections.unique(["id_as_written", "name_as_written"], keep="first"),
        on=["id_as_written", "name_as_written"],
        how="left",
        maintain_order="left",
    )["corrected_id"]
    hit = found.is_not_null()
    return folded.with_columns(
        pl.when(hit).then(found).otherwise(pl.col("pre__id_number")).alias("pre__id_number"),
        pl.when(hit).then(None).otherwise(pl.col("prewhy__id_number")).alias("prewhy__id_number"),
        hit.alias("id_corrected"),
    )


def _contract_failures(ds: DatasetSpec, frame: pl.DataFrame) -> pl.DataFrame:
    """Run the pandera row contract; return (index, field, code) for each failing cell."""
    contract = ROW_CONTRACTS[ds.code]
    try:
        contract.validate(frame, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases.filter(pl.col("index").is_not_null())
        out = []
        kinds = {f.name: f.type for f in ds.fields}
        for row in fc.select("index", "column", "check").iter_rows(named=True):
            check = str(row["check"])
            column = str(row["column"])
            if check in CHECK_FIELDS:
                out.append((row["index"], CHECK_FIELDS[check], check))
            elif check.startswith("isin"):
                out.append((row["index"], column, "enum_invalid"))
            elif check == "not_nullable":
                out.append((row["index"], column, "required_missing"))
            elif check.startswith("greater_than_or_equal_to"):
                code = "amount_negative" if kinds.get(column) == "amount" else "integer_too_small"
                out.append((row["index"], column, code))
            elif check.startswith("str_matches"):
                out.append((row["index"], column, "id_chars"))
            else:
                raise RuntimeError(f"row contract {ds.code}: unmapped check {check!r} on {column}") from None
        if fc.height != err.failure_cases.height:
            raise RuntimeError(f"row contract {ds.code} failed on the whole frame: {err.schema_errors}") from None
        return pl.DataFrame(out, schema={"index": pl.Int64, "field": pl.String, "code": pl.String}, orient="row")
    return pl.DataFrame(schema={"index": pl.Int64, "field": pl.String, "code": pl.String})


def split_rows(
    data: pl.DataFrame,
    header: HeaderMatch,
    rules: ReadingRules,
    *,
    department: str,
    file: str,
    sheet: str,
    latest_event_date: date | None = None,
    corrections: pl.DataFrame | None = None,
) -> SheetRows:
    """Cast and validate the data rows of one sheet into accepted and rejected rows. Event dates
    after `latest_event_date` (the quarter's last day) reject their row; rows matching a
    confirmed correction are read with the corrected number (`id_corrected` true)."""
    ds = header.dataset
    casted = cast_rows(data, header, rules, latest_event_date, corrections)
    why_cols = [f"why__{f.name}" for f in ds.fields]
    cast_failed = pl.any_horizontal([pl.col(c).is_not_null() for c in why_cols])
    lineage = [
        pl.lit(file).alias("source_file"),
        pl.lit(sheet).alias("source_sheet"),
        pl.col("row_number").alias("source_row"),
    ]
    # Only the typed columns are carried on (not the reasons and folded text of every row).
    candidates = (
        casted.lazy()
        .filter(~cast_failed)
        .select([pl.col(f.name) for f in ds.fields] + lineage + [pl.col("id_corrected")])
        .collect()
    )
    failures = _contract_failures(ds, candidates.drop("id_corrected"))

    # Long form of every problem: (row_number, field, code).
    # (the few rows with a cast problem first, then one row per problem, field by field)
    long_parts = [
        casted.filter(cast_failed)
        .select("row_number", *[pl.col(c).alias(f.name) for c, f in zip(why_cols, ds.fields, strict=True)])
        .unpivot(index="row_number", variable_name="field", value_name="code")
        .filter(pl.col("code").is_not_null())
    ]
    if failures.height:
        rows = (
            candidates.select(pl.col("source_row").alias("row_number"))
            .with_row_index("index")
            .with_columns(pl.col("index").cast(pl.Int64))
        )
        long_parts.append(failures.join(rows, on="index").select("row_number", "field", "code"))
    problems = pl.concat(long_parts).unique(maintain_order=True)
    bad_rows = problems.select("row_number").unique()
    accepted = candidates.join(bad_rows.rename({"row_number": "source_row"}), on="source_row", how="anti")
    if problems.height == 0:
        return SheetRows(accepted, _empty_rejects())
    rejected = _rejects(
        casted, problems, header, department=department, file=file, sheet=sheet, latest_event_date=latest_event_date
    )
    return SheetRows(accepted, rejected, _parked(casted, problems, ds, lineage))


def _parked(
    casted: pl.DataFrame, problems: pl.DataFrame, ds: DatasetSpec, lineage: list[pl.Expr]
) -> pl.DataFrame | None:
    """The rejected rows whose one problem is a slip in the identity number, and whose other
    fields pass the row contract (checked with a placeholder number)."""
    if not {"id_number", "name"} <= {f.name for f in ds.fields}:
        return None
    per_row = problems.group_by("row_number").agg(pl.len().alias("n"), pl.col("field").first(), pl.col("code").first())
    slips = per_row.filter(
        (pl.col("n") == 1) & (pl.col("field") == "id_number") & pl.col("code").is_in(SLIP_ID_PROBLEMS)
    )
    if slips.is_empty():
        return None
    rows = (
        casted.join(slips.select("row_number"), on="row_number", how="semi")
        .select(
            [pl.col(f.name) for f in ds.fields] + lineage + [written_id(pl.col("raw__id_number")).alias("_written")]
        )
        .with_columns(pl.lit(_PLACEHOLDER_ID).alias("id_number"), written_name(pl.col("name")).alias("name"))
    )
    failing = _contract_failures(ds, rows.drop("_written"))["index"].unique()
    rows = rows.with_row_index("_index").filter(~pl.col("_index").cast(pl.Int64).is_in(failing.implode()))
    return rows.with_columns(pl.col("_written").alias("id_number")).drop("_index", "_written")


def _rejects(
    casted: pl.DataFrame,
    problems: pl.DataFrame,
    header: HeaderMatch,
    *,
    department: str,
    file: str,
    sheet: str,
    latest_event_date: date | None,
) -> pl.DataFrame:
    ds = header.dataset
    casted = casted.join(problems.select("row_number").unique(), on="row_number", how="semi")
    order = {f.name: i for i, f in enumerate(ds.fields)}
    fields = {f.name: f for f in ds.fields}
    texts = []
    for name, code in problems.select("field", "code").unique().iter_rows():
        f = fields[name]
        label = header.labels.get(name, f.label)
        text = explain(code, column=label, allowed="、".join(f.values), minimum=f.minimum, latest=latest_event_date)
        texts.append((name, code, label, text))
    text_frame = pl.DataFrame(texts, schema=["field", "code", "label", "text"], orient="row")
    raw_long = casted.unpivot(
        index="row_number", on=[f"raw__{f.name}" for f in ds.fields], variable_name="field", value_name="value"
    ).with_columns(pl.col("field").str.strip_prefix("raw__"))
    detailed = (
        problems.join(text_frame, on=["field", "code"], how="left")
        .join(raw_long, on=["row_number", "field"], how="left")
        .with_columns(pl.col("field").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort("row_number", "_order")
    )
    per_row = detailed.group_by("row_number", maintain_order=True).agg(
        pl.col("label").first().alias("column"),
        pl.col("value").first().alias("value"),
        pl.col("text").str.join("；").alias("reason"),
        pl.col("code").first().alias("reason_code"),
    )
    present = [f for f in ds.fields if f.name in header.columns]
    row_values = casted.select(
        "row_number",
        pl.struct([pl.col(f"raw__{f.name}").alias(header.labels[f.name]) for f in present])
        .struct.json_encode()
        .alias("row_values"),
    )

    def written(name: str) -> pl.Expr:
        return pl.col(f"raw__{name}") if name in fields else pl.lit(None, dtype=pl.String)

    id_problems = problems.filter(pl.col("field") == "id_number").select(
        "row_number", pl.col("code").alias("id_problem")
    )
    person = casted.select(
        "row_number",
        written_id(written("id_number")).alias("id_as_written"),
        written("name").alias("name_as_written"),
        written("town").alias("town_as_written"),
        written("village").alias("village_as_written"),
    ).join(id_problems.unique("row_number", keep="first"), on="row_number", how="left")
    return as_rejects(
        per_row.join(row_values, on="row_number", how="left")
        .join(person, on="row_number", how="left")
        .with_columns(
            pl.lit(department).alias("department"),
            pl.lit(ds.code).alias("dataset"),
            pl.lit(file).alias("file"),
            pl.lit(sheet).alias("sheet"),
        )
    )
