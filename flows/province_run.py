"""The province run: every county's quarterly run as a Prefect subflow, the counties in parallel
on a Dask cluster through prefect-dask (a local cluster by default, a running scheduler when its
address is given), then one province summary: the table of seed 004 and the colours, per county.

A county is a data root of its own (a folder with `inbox/`); a county that is refused or fails
is reported as such and never stops the others. The summary carries counts only."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect_dask import DaskTaskRunner

from flows.prefect_api import prefect_api, start_server_if_needed
from flows.quarterly_run import RunRefused, quarterly_run
from transforms.deliver.province import CountyOutcome, county_roots, write_province_summary
from transforms.kit.atomic import publish
from transforms.settings import DataRoot, Quarter


@task(name="run-county", cache_policy=NONE)
def run_county(data_root: str, quarter: str) -> CountyOutcome:
    """One county's quarterly run (a subflow), on whichever Dask worker takes it."""
    county = Path(data_root).name
    worker = _worker_name()
    try:
        summary = quarterly_run(data_root, quarter)
    except RunRefused as e:
        return CountyOutcome(county, "refused", reason=str(e), worker=worker)
    except Exception as e:  # a library's message may quote a cell: only the type is kept
        return CountyOutcome(county, "failed", reason=type(e).__name__, worker=worker)
    return CountyOutcome(county, "published", summary=summary.as_dict(), worker=worker)


def _worker_name() -> str:
    """The Dask worker running this task (its address), or "local" outside a cluster."""
    try:
        from distributed import get_worker

        return get_worker().address
    except ValueError:
        return "local"


@flow(name="province-run")
def province_run(province_root: str, quarter: str) -> list[CountyOutcome]:
    """Run every county under `province_root` for `quarter`; publish `out/<quarter>/` there."""
    logger = get_run_logger()
    q = Quarter.parse(quarter)
    roots = county_roots(Path(province_root))
    futures = [run_county.submit(str(root), str(q)) for root in roots]
    outcomes = [f.result() for f in futures]
    out_dir = publish(
        DataRoot(Path(province_root).resolve()), q, lambda folder: write_province_summary(folder, q, outcomes)
    )
    logger.info(
        "province %s: %d counties, %d published → %s",
        q,
        len(outcomes),
        sum(o.status == "published" for o in outcomes),
        out_dir,
    )
    return outcomes


def dask_runner(address: str | None, workers: int) -> DaskTaskRunner:
    """The running cluster at `address`, else a local cluster of `workers` single-threaded
    processes (polars and DuckDB inside each county run use the cores they find)."""
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )


def run_province(province_root: str, quarter: str, address: str | None = None, workers: int = 2) -> list[CountyOutcome]:
    """The province run on its Dask cluster."""
    # The county subflows run in the Dask workers' processes: they find the API through the
    # environment (PREFECT_API_URL), which prefect_api() sets before the cluster starts them.
    with prefect_api(start_server_if_needed()):
        return province_run.with_options(task_runner=dask_runner(address, workers))(province_root, quarter)
