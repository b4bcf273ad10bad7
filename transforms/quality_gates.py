"""Dataset-level quality gates: a gate is a query returning the offending rows (sql/audits/),
with its severity and limits in `config/quality_gates.yaml`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import yaml

from transforms.comparison import execute_model
from transforms.config import CONFIG_DIR
from transforms.settings import Quarter
from transforms.warehouse import INGEST_FILES_DDL, read_sql


@dataclass(frozen=True)
class GateResult:
    """One gate's outcome; `examples` are the first offending rows (keys, counts: no names)."""

    gate: str
    label: str
    severity: str
    offending: int
    max_offending: int
    passed: bool
    examples: list[dict]

    def as_dict(self) -> dict:
        return asdict(self)

    def message(self) -> str:
        return f"质量关卡“{self.label}”未通过（{self.offending}处，允许{self.max_offending}处）/ quality gate {self.gate} failed: {self.offending} offending rows, {self.max_offending} allowed"


def load_gates(config_dir: Path = CONFIG_DIR) -> dict[str, dict]:
    return yaml.safe_load((config_dir / "quality_gates.yaml").read_text(encoding="utf-8"))["gates"]


def run_gates(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, gates: dict[str, dict] | None = None
) -> list[GateResult]:
    """Run every gate on the staged quarter."""
    con.execute(INGEST_FILES_DDL)  # a warehouse that never recorded files has an empty history
    results = []
    for name, spec in (gates or load_gates()).items():
        params = {"quarter": str(quarter), "previous_quarter": str(quarter.previous()), **{
            k: v for k, v in spec.items() if k not in ("severity", "max_offending", "label")
        }}  # fmt: skip
        rel = execute_model(con, read_sql(f"audits/{name}.sql"), params)
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
        limit = int(spec.get("max_offending", 0))
        results.append(GateResult(
            gate=name, label=spec["label"], severity=spec["severity"], offending=len(rows), max_offending=limit,
            passed=len(rows) <= limit, examples=[dict(zip(columns, r, strict=True)) for r in rows[:10]],
        ))  # fmt: skip
    return results
