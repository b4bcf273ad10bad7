"""`povwatch backtest` as a Prefect flow: the comparison run again on the warehouse's staged
quarters with a trial thresholds file, published to `<data root>/backtest/<name>/` all at once.
Reads the warehouse (read-only) and never writes it, `out/` or `followup/`. Logs and artifacts
carry counts only."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger

from flows import progress
from flows.console import install_refusal_filter
from transforms.data_root_lock import data_root_lock
from transforms.learning.publish_backtest import BacktestRequest, publish_backtest
from transforms.settings import DataRoot

install_refusal_filter()

STEPS = {"compare": "用试算阈值重新比对已运行的季度", "publish": "生成回测结果"}


@flow(name="povwatch-backtest", log_prints=False)
def backtest(data_root: str, quarters: str, thresholds: str, name: str | None = None) -> dict:
    """Try `thresholds` (a file in thresholds.yaml's format, any subset) on `quarters`
    (`2026Q2..2026Q3`); returns the counts and where the result was written."""
    root = DataRoot(Path(data_root).resolve())
    request = BacktestRequest.make(root, quarters, Path(thresholds), name)
    with data_root_lock(root.path, "backtest"):
        counts = publish_backtest(request, progress.current())
    get_run_logger().info(
        "backtest %s over %s: %d warnings now, %d under the trial (%d dropped, %d of them found true; %d added)",
        request.name,
        quarters,
        counts["current"],
        counts["trial"],
        counts["dropped"],
        counts["dropped_true"],
        counts["added"],
    )
    return counts
