"""`povwatch`: the command line of the quarterly run.

Exit codes: 0 published; 1 the run refused or failed (one line, Chinese then English);
2 the command was called wrongly.
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
from datetime import date
from pathlib import Path

from transforms.settings import SAMPLE_DATA_ROOT, Quarter, RunRefused, resolve_data_root

DEMO_QUARTERS = ("2026Q2", "2026Q3")


REREAD_HELP = (
    "重新读取所有文件（默认未改动的文件沿用上次检查结果）/ read every file again (default: reuse unchanged files)"
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="povwatch",
        description="防返贫动态监测：比对行业部门数据与监测对象名册 / quarterly monitoring of households at risk.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="季度比对运行 / the quarterly run over inbox/<quarter>/")
    run.add_argument("--data-root", help="数据根目录 / data root (default $POVWATCH_DATA_ROOT or ./data/county)")
    run.add_argument("--quarter", required=True, help="季度，如 2026Q3 / quarter, e.g. 2026Q3")
    run.add_argument("--reread", action="store_true", help=REREAD_HELP)
    check = sub.add_parser(
        "check-inbox", help="检查已收到的数据并生成问题数据表，不发布预警 / validate what has arrived"
    )
    check.add_argument("--data-root", help="数据根目录 / data root")
    check.add_argument("--quarter", required=True, help="季度，如 2026Q3 / quarter, e.g. 2026Q3")
    check.add_argument("--reread", action="store_true", help=REREAD_HELP)
    prov = sub.add_parser(
        "run-province", help="全省各县并行运行并汇总 / every county of a province in parallel, then a summary"
    )
    prov.add_argument(
        "--province-root", required=True, help="省级目录：每个县一个含 inbox/ 的子目录 / one folder per county"
    )
    prov.add_argument("--quarter", required=True, help="季度，如 2026Q3 / quarter, e.g. 2026Q3")
    prov.add_argument(
        "--address", help="已运行的 Dask 调度器地址 / a running Dask scheduler (default: a local cluster)"
    )
    prov.add_argument("--workers", type=int, default=2, help="本地集群进程数 / local cluster workers (default 2)")
    returns = sub.add_parser(
        "read-returns", help="读取乡镇、部门退回的名单和交办单，发布跟踪情况 / read what came back, publish followup/"
    )
    returns.add_argument("--data-root", help="数据根目录 / data root")
    returns.add_argument("--quarter", required=True, help="名单所属季度，如 2026Q3 / the lists' quarter")
    returns.add_argument("--as-of", help="统计截止日期，如 2026-12-20（默认今天）/ as-of date (default today, China)")
    status = sub.add_parser("status", help="在终端查看各乡镇、部门的核实与办结进度 / where the loop stands")
    status.add_argument("--data-root", help="数据根目录 / data root")
    status.add_argument("--quarter", required=True, help="名单所属季度，如 2026Q3 / the lists' quarter")
    trial = sub.add_parser(
        "backtest", help="用试算阈值回测已运行的季度，不发布任何名单 / try thresholds on the quarters already run"
    )
    trial.add_argument("--data-root", help="数据根目录 / data root")
    trial.add_argument("--quarters", required=True, help="季度范围，如 2026Q2..2026Q3 / quarters, e.g. 2026Q2..2026Q3")
    trial.add_argument(
        "--thresholds",
        required=True,
        help="试算阈值文件（格式同 thresholds.yaml）/ trial thresholds (thresholds.yaml's format)",
    )
    trial.add_argument("--name", help="回测名称（默认用文件名）/ the backtest's name (default: the file's)")
    answers = sub.add_parser(
        "simulate-answers", help="示例县：模拟乡镇和部门填写交回名单 / sample county: towns and departments answer"
    )
    answers.add_argument("--data-root", help=f"示例县目录 / the sample county (default {SAMPLE_DATA_ROOT})")
    answers.add_argument("--quarter", required=True, help="名单所属季度，如 2026Q3 / the lists' quarter")
    demo = sub.add_parser("demo", help="生成示例县并运行 / make the sample county and run its quarters")
    demo.add_argument("--data-root", help=f"示例县目录 / where to make it (default {SAMPLE_DATA_ROOT})")
    demo.add_argument(
        "--scale",
        default="sample",
        choices=["sample", "district", "county", "county10"],
        help="示例县规模 / size of the sample county",
    )
    gen = sub.add_parser("make-sample", help="只生成示例县收件箱 / only write the sample county's inbox")
    gen.add_argument("--data-root", required=True)
    gen.add_argument("--scale", default="sample", choices=["sample", "district", "county", "county10"])
    gen.add_argument("--quarters", nargs="+", default=list(DEMO_QUARTERS))
    return p


def _bad_quarter(quarter: str) -> bool:
    """True (and says why) when `quarter` is not like 2026Q3."""
    try:
        Quarter.parse(quarter)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return True
    return False


def _in_flow(server, flow_fn, *args, log_dir: Path | None = None, steps: dict[str, str] | None = None):
    """Call a flow on Prefect's API (the temporary one `server` started, if any); on a refusal
    or a failure, say so in one line (Chinese, then English) and return None. The terminal shows
    the flow's progress in the data officer's words (`steps`); Prefect's own log lines go to the
    flow run's log and to `log_dir`, not to the terminal."""
    from flows import progress
    from flows.console import log_to_file, quiet_console
    from flows.prefect_api import prefect_api
    from schemas.datasets import warm_up
    from transforms.settings import ProgramDefect, RunRefused

    quiet_console(keep=None)
    if log_dir is not None:
        log_to_file(log_dir)
    progress.show(progress.Progress(steps=steps) if steps else None)
    try:
        with prefect_api(server, while_waiting=warm_up):
            return flow_fn(*args)
    except RunRefused as e:
        print(f"未发布 / not published: {e}", file=sys.stderr)
    except ProgramDefect as e:  # names the step, the department and the file; never a cell
        print(
            f"运行失败，未发布 / run failed, nothing published: {e}（详见Prefect日志 / see the flow log）",
            file=sys.stderr,
        )
    except Exception as e:  # a library's message may quote a cell: only the type is shown
        print(
            f"运行失败，未发布 / run failed, nothing published: {type(e).__name__}（详见Prefect日志 / see the flow log）",
            file=sys.stderr,
        )
    finally:
        progress.show(None)  # the command's progress ends with it (a later flow in this process prints nothing)
    return None


def _run(data_root: Path, quarter: str, check_only: bool = False, reread: bool = False) -> int:
    if _bad_quarter(quarter):
        return 2
    from transforms.data_root_lock import DataRootBusy, data_root_lock

    try:  # refused at once, before anything starts, when another command holds the data root
        with data_root_lock(data_root, "check-inbox" if check_only else "run"):
            return _run_locked(data_root, quarter, check_only, reread)
    except DataRootBusy as e:
        print(f"未发布 / not published: {e}", file=sys.stderr)
        return 1


def _run_locked(data_root: Path, quarter: str, check_only: bool, reread: bool) -> int:
    from flows.prefect_api import start_server_if_needed

    server = start_server_if_needed()  # boots while the run's modules import
    if not check_only:  # Great Expectations (≈ 2.5 s to import) too, while the server boots
        from transforms.staging.quality_gates import preload_great_expectations

        preload_great_expectations()
    from flows.progress import CHECK_STEPS, STEPS
    from flows.quarterly_run import check_inbox, quarterly_run

    summary = _in_flow(
        server,
        check_inbox if check_only else quarterly_run,
        str(data_root),
        quarter,
        reread,
        log_dir=data_root / "logs",
        steps=CHECK_STEPS if check_only else STEPS,
    )
    if summary is None:
        return 1
    print("\n".join(summary.lines()))
    return 0


def _run_province(args: argparse.Namespace) -> int:
    if _bad_quarter(args.quarter):
        return 2
    # The terminal stays as quiet as `run`'s: Prefect's and Dask's own lines (and the link to the
    # temporary server) stay in the flow runs' log, in this process and in the Dask workers it
    # starts (they inherit the environment). Warnings and errors still show.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL", "WARNING")
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    from flows.province_run import run_province

    root = Path(args.province_root).resolve()
    print(f"【全省运行】{args.quarter}：各县并行运行中（{args.workers} 个进程）……", flush=True)
    try:
        outcomes = run_province(str(root), args.quarter, args.address, args.workers)
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 1
    for o in outcomes:
        colours = o.summary.get("listed_by_colour", {})
        if o.status == "published":
            print(
                f"  {o.county}：已发布  预警 {o.summary.get('warnings', 0)} 条，列入名单 红 {colours.get('red', 0)} "
                f"黄 {colours.get('yellow', 0)} 绿 {colours.get('green', 0)} 户"
            )
        else:
            print(f"  {o.county}：未发布  {o.reason}")
    print(f"省级汇总 / province summary: {Path(args.province_root).resolve() / 'out' / args.quarter}")
    return 0 if all(o.status == "published" for o in outcomes) else 1


def _read_returns(data_root: Path, quarter: str, as_of: str | None) -> int:
    if _bad_quarter(quarter):
        return 2
    if as_of:
        try:
            date.fromisoformat(as_of)
        except ValueError:
            print(f"日期格式应为 2026-12-20 / --as-of must look like 2026-12-20, got {as_of!r}", file=sys.stderr)
            return 2
    from flows.prefect_api import start_server_if_needed

    server = start_server_if_needed()
    from flows.read_returns import read_returns

    counts = _in_flow(server, read_returns, str(data_root), quarter, as_of, log_dir=data_root / "logs")
    if counts is None:
        return 1
    print(
        f"[{quarter}] 跟踪情况已发布 / follow-up published → {counts['out_dir']}（截至 as of {counts['as_of']}）\n"
        f"  退回文件 files {counts['files']}  采用 applied {counts['applied']}  退回 rejected {counts['rejected']}  "
        f"未填写 unanswered {counts['unanswered']}\n"
        f"  核实 verified {counts['verified']}/{counts['listed']} 户，逾期 overdue {counts['verification_overdue']}；"
        f"办结 settled {counts['settled']}/{counts['work_orders']} 件，逾期 overdue {counts['settlement_overdue']}"
    )
    return 0


def _backtest(args: argparse.Namespace) -> int:
    from transforms.data_root_lock import DataRootBusy, data_root_lock

    data_root = resolve_data_root(args.data_root)
    try:  # refused at once when another command holds the data root (a run writing the warehouse)
        with data_root_lock(data_root, "backtest"):
            from flows.prefect_api import start_server_if_needed

            server = start_server_if_needed()
            from flows.backtest import STEPS, backtest

            counts = _in_flow(
                server,
                backtest,
                str(data_root),
                args.quarters,
                args.thresholds,
                args.name,
                log_dir=data_root / "logs",
                steps=STEPS,
            )
    except DataRootBusy as e:
        print(f"未回测 / not run: {e}", file=sys.stderr)
        return 1
    if counts is None:
        return 1
    print(
        f"[回测 backtest {counts['name']}] {'、'.join(counts['quarters'])} → {counts['folder']}\n"
        f"  现行预警 now {counts['current']}  试算 trial {counts['trial']}  减少 dropped {counts['dropped']}"
        f"（其中核实属实 found true {counts['dropped_true']}，不属实 not true {counts['dropped_not_true']}）"
        f"  增加 added {counts['added']}"
    )
    return 0


def _simulate_answers(args: argparse.Namespace) -> int:
    if _bad_quarter(args.quarter):
        return 2
    from transforms.sample_county.answers import simulate_answers

    root = Path(args.data_root).resolve() if args.data_root else SAMPLE_DATA_ROOT
    try:
        counts = simulate_answers(root, Quarter.parse(args.quarter))
    except FileNotFoundError:
        print(f"该季度的名单尚未发布 / {args.quarter} has not been published under {root}", file=sys.stderr)
        return 1
    print(
        f"示例县已填写交回 / answered: 核实 {counts['verification']} 行，办理 {counts['settlement']} 件 → "
        f"{root / 'returns' / args.quarter}"
    )
    return 0


def _status(data_root: Path, quarter: str) -> int:
    if _bad_quarter(quarter):
        return 2
    from transforms.followup.status_table import progress_lines

    try:
        print("\n".join(progress_lines(data_root, quarter)))
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return _run(resolve_data_root(args.data_root), args.quarter, reread=args.reread)
    if args.command == "check-inbox":
        return _run(resolve_data_root(args.data_root), args.quarter, check_only=True, reread=args.reread)
    if args.command == "read-returns":
        return _read_returns(resolve_data_root(args.data_root), args.quarter, args.as_of)
    if args.command == "status":
        return _status(resolve_data_root(args.data_root), args.quarter)
    if args.command == "backtest":
        return _backtest(args)
    if args.command == "simulate-answers":
        return _simulate_answers(args)
    if args.command == "run-province":
        return _run_province(args)
    if args.command in ("demo", "make-sample"):
        from transforms.sample_county import generate_sample_county

        root = Path(args.data_root).resolve() if args.data_root else SAMPLE_DATA_ROOT
        quarters = [Quarter.parse(q) for q in getattr(args, "quarters", DEMO_QUARTERS)]
        generate_sample_county(root, quarters, scale=args.scale)
        print(f"示例县已生成 / sample county written: {root / 'inbox'}")
        if args.command == "make-sample":
            return 0
        for q in quarters:
            code = _run(root, str(q))
            if code:
                return code
        print(f"输出目录 / outputs: {root / 'out'}")
        return 0
    return 2


def _stop_on_signal(signum, frame) -> None:
    raise KeyboardInterrupt  # unwinds the run: its building folder is removed, the server stopped at exit


def entry() -> None:
    """The `povwatch` command: `main`, then the interpreter's own exit — Prefect's log and event
    workers drain to the API, then the exit handlers run (the temporary API server stops,
    temporary folders go, logging flushes) — and last `leave`, registered first so it runs after
    every other handler: the process ends there without tearing the interpreter down (freeing
    every module and object one by one costs over a second after all the work is written and
    closed; measured in docs/performance.md)."""
    code = 1

    def leave() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    atexit.register(leave)  # exit handlers run last-registered first: this one after all others
    signal.signal(signal.SIGTERM, _stop_on_signal)  # a service stop or a scheduler's timeout: as Ctrl-C
    try:
        code = main()
    except RunRefused as e:  # a broken county configuration, found while the modules load it
        print(f"未发布 / not published: {e}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: the run stops, the previous publication stays whole
        print(
            "已中止，未发布（上次发布保持不变）/ stopped, nothing published (the previous publication stands)",
            file=sys.stderr,
        )
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    entry()
