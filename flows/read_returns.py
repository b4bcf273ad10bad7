"""read-returns as a Prefect flow: read what towns and departments sent back for a quarter's
lists, record every answer, publish `followup/<quarter>/` all at once. Logs and artifacts carry
counts only — never a name or an identity number from a returned file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from flows.console import install_refusal_filter
from flows.tasks import learn_from_answers
from transforms.config import load_config
from transforms.data_root_lock import data_root_lock
from transforms.followup.loop import FollowUp, ensure_published, follow_up
from transforms.followup.publish_followup import write_followup
from transforms.followup.views import loop_counts
from transforms.kit.atomic import publish
from transforms.kit.deadlines import WorkingCalendar
from transforms.settings import CHINA, DataRoot, Quarter

install_refusal_filter()


@task(name="read-returned-files", cache_policy=NONE)
def read_and_record(root: DataRoot, quarter: Quarter, as_of: date) -> FollowUp:
    result = follow_up(root, quarter, as_of, load_config())
    logger = get_run_logger()
    for f in result.files:
        if f.error:  # our own sentence about the file, never a cell
            logger.warning("%s: %s", f.path, f.error)
    logger.info(
        "%d returned files: %d rows applied, %d rejected, %d unanswered; %d answers newly recorded",
        len(result.files),
        sum(f.applied for f in result.files),
        sum(f.rejected for f in result.files),
        sum(f.unanswered for f in result.files),
        result.recorded,
    )
    return result


@flow(name="povwatch-read-returns", log_prints=False)
def read_returns(data_root: str, quarter: str | None = None, as_of: str | None = None) -> dict:
    """Read `returns/<quarter>/` under the data root, record the answers, publish
    `followup/<quarter>/` as of `as_of` (default: today in China Standard Time). Without a
    quarter (the scheduled deployment), the quarter just ended: the lists now out. Returns counts."""
    day = date.fromisoformat(as_of) if as_of else datetime.now(CHINA).date()
    q = Quarter.parse(quarter) if quarter else Quarter.just_ended(day)
    root = DataRoot(Path(data_root).resolve())
    config = load_config()
    ensure_published(root, q)
    with data_root_lock(root.path, "read-returns"):
        return _read_returns(root, q, day, config)


def _read_returns(root: DataRoot, q: Quarter, day: date, config) -> dict:
    result = read_and_record(root, q, day)
    answers = learn_from_answers(root, str(q), config)  # with the answers just recorded
    out_dir = publish(
        root,
        q,
        lambda folder: write_followup(
            folder,
            county=config.county_name,
            quarter=str(q),
            as_of=day,
            followup=result.followup,
            rows=result.rows,
            rejects=result.rejects,
            files=result.files,
            skipped=result.skipped,
            names=result.names,
            department_labels=config.department_labels,
            rule_labels={r.rule_id: r.label for r in config.rules},
            calendar=WorkingCalendar.load(),
            published_on=result.publication.issued.published_on,
            answers=answers,
            listing_reasons=config.listing_reasons,
        ),
        area="followup",
    )
    counts = {
        "quarter": str(q),
        "as_of": day.isoformat(),
        "out_dir": str(out_dir),
        "files": len(result.files),
        "applied": sum(f.applied for f in result.files),
        "rejected": sum(f.rejected for f in result.files),
        "unanswered": sum(f.unanswered for f in result.files),
        "ignored": sum(f.ignored for f in result.files),
        **loop_counts(result.followup, result.rows),
    }
    create_markdown_artifact(
        key="povwatch-followup",
        markdown="\n".join(
            [f"# povwatch follow-up {q} (as of {day})", ""] + [f"- {k}: {v}" for k, v in counts.items()]
        ),
    )
    return counts
