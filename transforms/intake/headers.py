"""Where the data is in a sheet: which row is the header, which dataset it belongs to, and
which rows are titles, repeated headers, footers or blank (recognisably not data)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from transforms.config import DatasetSpec, ReadingRules, fold_label
from transforms.intake.cells import fold_text

ROW_KINDS = ("data", "title", "header", "footer", "blank")


@dataclass(frozen=True)
class HeaderMatch:
    """The header row of a sheet and what each of its columns means."""

    row_number: int
    dataset: DatasetSpec
    columns: dict[str, str]  # field name -> raw cell column (c0..cN)
    labels: dict[str, str]  # field name -> header text as written in the file
    # field name -> the headers of all the columns that mean it, when more than one does (两列身份证号):
    # the sheet cannot be read without silently picking one, so it is an error naming them all
    doubled: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class HeaderMiss:
    """No header found; the closest dataset and what its header lacked, for the message."""

    dataset: DatasetSpec | None
    missing: tuple[str, ...]


def cell_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "row_number"]


def _match_row(
    cells: dict[str, str], dataset: DatasetSpec
) -> tuple[dict[str, str], dict[str, str], dict[str, tuple[str, ...]]]:
    columns: dict[str, str] = {}
    labels: dict[str, str] = {}
    taken: set[str] = set()
    folded = {col: fold_label(text) for col, text in cells.items()}
    for f in dataset.fields:
        wanted = [fold_label(h) for h in f.headers]
        for alias in wanted:  # earlier aliases win, then earlier columns
            col = next((c for c, t in folded.items() if t == alias and c not in taken), None)
            if col is not None:
                columns[f.name], labels[f.name] = col, cells[col].strip()
                taken.add(col)
                break
    doubled: dict[str, tuple[str, ...]] = {}
    for f in dataset.fields:  # a further column that means a field already matched
        if f.name not in columns:
            continue
        wanted = {fold_label(h) for h in f.headers}
        more = [c for c, t in folded.items() if t in wanted and c not in taken]
        if more:  # every column that means the field, in the file's order
            both = sorted([columns[f.name], *more], key=lambda c: int(c.removeprefix("c")))
            doubled[f.name] = tuple(cells[c].strip() for c in both)
    return columns, labels, doubled


def locate_header(
    frame: pl.DataFrame, datasets: tuple[DatasetSpec, ...], rules: ReadingRules
) -> HeaderMatch | HeaderMiss:
    """Find the first of the top rows that holds every required header of a dataset.

    When several datasets fit one row, the one matching more of its fields wins
    (a settlement header also contains an enrolment's 公民身份号码 and 姓名).
    """
    cols = cell_columns(frame)
    best_miss: tuple[int, DatasetSpec | None, tuple[str, ...]] = (-1, None, ())
    for row in frame.head(rules.header_search_rows).iter_rows(named=True):
        cells = {c: str(row[c]) for c in cols if row[c] is not None and str(row[c]).strip()}
        if not cells:
            continue
        fits: list[tuple[int, int, HeaderMatch]] = []
        for ds in datasets:
            columns, labels, doubled = _match_row(cells, ds)
            required = [f.name for f in ds.required_fields]
            found = sum(1 for r in required if r in columns)
            if found == len(required):
                match = HeaderMatch(row["row_number"], ds, columns, labels, doubled)
                fits.append((len(columns), -len(ds.fields), match))
            elif found > best_miss[0]:
                missing = tuple(ds.field(r).label for r in required if r not in columns)
                best_miss = (found, ds, missing)
        if fits:
            return max(fits, key=lambda t: (t[0], t[1]))[2]
    return HeaderMiss(best_miss[1], best_miss[2])


def classify_rows(frame: pl.DataFrame, header: HeaderMatch | None, rules: ReadingRules) -> pl.DataFrame:
    """Add `row_kind`: data, title (above the header), header (the header, or a repeat of it),
    footer (合计, 制表人：… after the header) or blank."""
    cols = cell_columns(frame)
    if not cols:
        return frame.with_columns(pl.lit("blank").alias("row_kind"))
    # The first non-empty cell of each row, computed once (folding every cell of millions of
    # rows for this alone would cost more than the rest of the reading).
    # Most rows have their first cell filled: the others are looked at only where it is empty.
    trimmed = [pl.col(c).str.strip_chars(" \t\r\n\u3000").replace("", None) for c in cols]
    first = frame.select(trimmed[0].alias("_first")).to_series()
    empty = first.is_null()
    if len(cols) > 1 and empty.any():
        rest = frame.filter(empty).lazy().select(pl.coalesce(trimmed[1:])).collect().to_series()
        first = first.scatter(empty.arg_true(), rest)
    marked = frame.with_columns(first.to_frame().select(fold_text(pl.col("_first"))).to_series())
    is_blank = pl.col("_first").is_null()
    if header is None:
        kind = pl.when(is_blank).then(pl.lit("blank")).otherwise(pl.lit("data"))
        return marked.with_columns(kind.alias("row_kind")).drop("_first")
    is_footer = pl.any_horizontal(
        [pl.col("_first").str.starts_with(fold_label(p)) for p in rules.footer_prefixes]
    ).fill_null(False)
    # A row repeating the header (sheets pasted one under another): every matched column holds
    # its header text again, as written in this file. Checked in full only on the rows whose
    # first matched column contains the longest piece of its header text.
    is_header_again = pl.all_horizontal(
        [
            (pl.col(col).str.replace_all(r"\s", "") == "".join(header.labels[name].split())).fill_null(False)
            for name, col in header.columns.items()
        ]
    )
    name0, col0 = next(iter(header.columns.items()))
    piece = max(header.labels[name0].split(), key=len)
    repeats = frame.filter(pl.col(col0).str.contains(piece, literal=True)).filter(is_header_again)["row_number"]
    kind = (
        pl.when(is_blank)
        .then(pl.lit("blank"))
        .when(pl.col("row_number") < header.row_number)
        .then(pl.lit("title"))
        .when(pl.col("row_number") == header.row_number)
        .then(pl.lit("header"))
        .when(pl.col("row_number").is_in(repeats.implode()))
        .then(pl.lit("header"))
        .when(is_footer)
        .then(pl.lit("footer"))
        .otherwise(pl.lit("data"))
    )
    return marked.with_columns(kind.alias("row_kind")).drop("_first")
