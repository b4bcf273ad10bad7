"""What a run shows in the Prefect UI: a markdown summary and a table of warnings by rule —
counts only, never a person."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from transforms.compare.comparison import Comparison
from transforms.deliver.summary import RunSummary


def publish_artifacts(summary: RunSummary, comparison: Comparison) -> None:
    by_rule = comparison.warnings.group_by("rule_id", "department").len().sort("rule_id")
    create_table_artifact(
        key="povwatch-warnings-by-rule",
        table=[{"rule_id": r, "department": d, "warnings": n} for r, d, n in by_rule.iter_rows()],
        description=f"{summary.quarter} warnings by rule",
    )
    c = summary.counts
    lines = [
        f"# povwatch {summary.quarter}",
        "",
        f"- files read: {c.files} (with problems: {c.files_with_errors})",
        f"- rows read {c.rows_read}, accepted {c.accepted}, rejected {c.rejected}, "
        f"duplicates {c.duplicates}, not data {c.ignored}",
        f"- warnings: {summary.warnings}; listed households by colour: "
        + ", ".join(f"{k} {v}" for k, v in summary.listed_by_colour.items()),
        f"- advisory quality gates failed: {len(summary.advisory_gates_failed)}",
        f"- published to: `{summary.out_dir}`",
    ]
    create_markdown_artifact(key="povwatch-quarter-summary", markdown="\n".join(lines))
