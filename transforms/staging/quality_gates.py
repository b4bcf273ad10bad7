"""Dataset-level quality gates. Each gate's metric is measured in DuckDB by a query under
`sql/audits/` (or, for rejects, from the intake), then Great Expectations checks every metric
against the limits in `config/quality_gates.yaml` and writes its Data Docs.

GX sees only the small frame of metrics (one row per gate and subject), never the rows
themselves: its pandas source on millions of rows costs seconds, and the metrics are what the
gates are about. No identity number or name is in that frame.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import re
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from transforms.config import load_config
from transforms.config_files import Gate, QualityGatesFile, read_config_file
from transforms.settings import Quarter, sql_dir
from transforms.staging.warehouse import connect, department_people_sql, execute_model, read_sql

ALL_SUBJECTS = "全部"


@dataclass(frozen=True)
class GateResult:
    """One gate on one subject (a dataset, or 全部)."""

    gate: str
    subject: str
    label: str
    severity: str
    value: float
    min: float | None
    max: float | None
    passed: bool

    def as_dict(self) -> dict:
        return asdict(self)

    def message(self) -> str:
        bound = " ".join(
            p
            for p in (
                f"≥{self.min:g}" if self.min is not None else "",
                f"≤{self.max:g}" if self.max is not None else "",
            )
            if p
        )
        subject = "" if self.subject == ALL_SUBJECTS else f"（{self.subject}）"
        return (
            f"质量关卡“{self.label}”{subject}未通过：实际{self.value:g}，要求{bound} / "
            f"quality gate {self.gate}[{self.subject}] failed: {self.value:g}, required {bound}"
        )


def load_gates(folder: Path | None = None) -> dict[str, Gate]:
    """config/quality_gates.yaml's gates, checked (transforms/config_files.py)."""
    return read_config_file("quality_gates.yaml", QualityGatesFile, folder).gates


def measure(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, gates: dict[str, Gate], datasets: tuple | None = None
) -> pl.DataFrame:
    """The metrics frame (gate, subject, value) for every gate with a query under sql/audits/
    (`datasets`: the registry's, by default the county configuration's)."""
    con.execute(department_people_sql(datasets or load_config().datasets))
    params = {"quarter": str(quarter), "previous_quarter": str(quarter.previous())}
    rows: list[tuple[str, str, float]] = []
    for name, spec in gates.items():
        path = f"audits/{name}.sql"
        if not (sql_dir() / path).exists():
            continue
        result = execute_model(con, read_sql(path), params).fetchall()
        if spec.metric == "offending_rows":
            rows.append((name, ALL_SUBJECTS, float(len(result))))
        else:
            # in the subject's order, so a rerun lists the gates (and the report) the same way
            rows.extend(sorted((name, str(subject), float(value)) for subject, value in result))
    return pl.DataFrame(rows, schema={"gate": pl.String, "subject": pl.String, "value": pl.Float64}, orient="row")


def empty_key_shares(rejects: pl.DataFrame, accepted: dict[str, int]) -> pl.DataFrame:
    """empty_key_share per dataset: rows sent back for an empty required field / rows of data."""
    by_dataset = (
        rejects.filter(pl.col("dataset").is_not_null())
        .group_by("dataset")
        .agg(pl.len().alias("rejected"), (pl.col("reason_code") == "required_missing").sum().alias("empty"))
    )
    counts = {d: (r, e) for d, r, e in by_dataset.iter_rows()}
    rows = []
    for dataset in sorted(set(accepted) | set(counts)):
        rejected, empty = counts.get(dataset, (0, 0))
        total = accepted.get(dataset, 0) + rejected
        if total:
            rows.append(("empty_key_share", dataset, empty / total))
    return pl.DataFrame(rows, schema={"gate": pl.String, "subject": pl.String, "value": pl.Float64}, orient="row")


# What GX writes from the clock and the random generator into its pages: the time of rendering
# (as a cache buster on every asset link, ?d=20261201T014736.598802Z) and of validating, and a
# fresh uuid for each collapsible block.
_CLOCK = re.compile(r"\d{8}T\d{6}\.\d{6}Z")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def steady_data_docs(docs_dir: Path, run_time: datetime) -> None:
    """Replace what GX takes from the clock by the run's own time (the quarter's reference day)
    and its random block ids by numbered ones, so the same quarter's Data Docs are the same
    files on every rerun."""
    stamp = run_time.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    numbers: dict[str, str] = {}

    def number(m: re.Match) -> str:
        return numbers.setdefault(m.group(0), f"00000000-0000-4000-8000-{len(numbers):012d}")

    for page in sorted(docs_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        steady = _UUID.sub(number, _CLOCK.sub(stamp, text))
        if steady != text:
            page.write_text(steady, encoding="utf-8")


def _import_great_expectations() -> None:
    importlib.import_module("great_expectations")
    gc.freeze()  # its modules live as long as the process: out of the collector's full passes
    atexit.register(gc.unfreeze)  # (collected as usual at exit)


def preload_great_expectations() -> threading.Thread:
    """Start importing Great Expectations (≈ 3 s) in a background thread, so the import overlaps
        the intake (which runs in polars, outside the GIL) instead of delaying the gates. Its modules
        then stay out of the garbage collector's full passes (as flows/prefect_api.py keeps the
    command's own modules)."""
    thread = threading.Thread(target=_import_great_expectations, daemon=True)
    thread.start()
    return thread


def check_gates(
    metrics: pl.DataFrame,
    gates: dict[str, Gate],
    docs_dir: Path | None = None,
    run_name: str = "povwatch",
    run_time: datetime | None = None,
) -> list[GateResult]:
    """Check every metric with Great Expectations (one expectation per gate and subject, in a
    blocking and an advisory suite); write Data Docs to `docs_dir` when given. The docs are
    named by `run_name` and `run_time` (the quarter and its reference day, not the clock), so
    rerunning the same quarter writes the same files."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # 3 s to import: only here, once a run, never per file
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.row_conditions import Column

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = context.data_sources.add_pandas("povwatch").add_dataframe_asset("quality_metrics")
    definition = batch.add_batch_definition_whole_dataframe("this_quarter")
    planned: list[tuple[str, str, dict, float | None, float | None]] = []
    suites = {}
    for severity in ("blocking", "advisory"):
        suites[severity] = context.suites.add(gx.ExpectationSuite(name=f"povwatch_{severity}_gates"))
    for gate, subject in metrics.select("gate", "subject").iter_rows():
        spec = gates[gate]
        lo, hi = spec.bound("min", subject), spec.bound("max", subject)
        if lo is None and hi is None:
            continue
        planned.append((gate, subject, spec, lo, hi))
        suites[spec.severity].add_expectation(
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="value",
                min_value=lo,
                max_value=hi,
                row_condition=(Column("gate") == gate) & (Column("subject") == subject),
                meta={"gate": gate, "subject": subject, "label": spec.label, "severity": spec.severity},
            )
        )
    validations = [
        context.validation_definitions.add(gx.ValidationDefinition(name=f"{s}_gates", data=definition, suite=suites[s]))
        for s in suites
    ]
    actions = []
    if docs_dir is not None:
        context.add_data_docs_site(
            site_name="povwatch",
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        # only our site: the default one would be built into a temporary folder nobody removes
        actions.append(gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=["povwatch"]))
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="povwatch_gates", validation_definitions=validations, actions=actions)
    )
    from great_expectations.core.run_identifier import RunIdentifier

    run_time = run_time or datetime(2000, 1, 1, tzinfo=UTC)
    run_id = RunIdentifier(run_name=run_name, run_time=run_time)
    outcome = checkpoint.run(batch_parameters={"dataframe": metrics.to_pandas()}, run_id=run_id)
    if docs_dir is not None:
        steady_data_docs(docs_dir, run_time)
    passed: dict[tuple[str, str], bool] = {}
    for run in outcome.run_results.values():
        for r in run.results:
            meta = r.expectation_config.meta
            passed[(meta["gate"], meta["subject"])] = bool(r.success)
    values = {(g, s): v for g, s, v in metrics.iter_rows()}
    return [
        GateResult(gate, subject, spec.label, spec.severity, values[(gate, subject)], lo, hi, passed[(gate, subject)])
        for gate, subject, spec, lo, hi in planned
    ]


def gate_quarter(
    warehouse: Path,
    quarter: Quarter,
    rejects: pl.DataFrame,
    accepted: dict[str, int],
    docs_dir: Path,
    reference: datetime,
) -> list[GateResult]:
    """Measure every gate of `config/quality_gates.yaml` for the quarter (in the warehouse, and
    from the intake's rejects and accepted rows per dataset) and check them with Great
    Expectations, writing Data Docs named by the quarter and its `reference` time to `docs_dir`."""
    gates = load_gates()
    with connect(warehouse) as con:
        metrics = measure(con, quarter, gates)
    metrics = pl.concat([metrics, empty_key_shares(rejects, accepted)])
    return check_gates(metrics, gates, docs_dir, run_name=str(quarter), run_time=reference)
