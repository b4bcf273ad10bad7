"""The model behind suggestions for mistyped identity numbers, on its own: u of one slip counted
exactly (against brute force over every pair, on generated numbers), and what its probability
says of one slip against two and of a common name against a rare one — a stranger's row, with
the prior such a row has in a county, is recommended only as the rules of the issue want."""

from __future__ import annotations

import itertools
import random

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.config import load_config
from transforms.intake.cells import id_check_char
from transforms.linkage.model import number_parts, score, train
from transforms.settings import sql_dir


def _one_slip(a: str, b: str) -> bool:
    """Brute force: one digit different, or two neighbours swapped."""
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


bodies = st.lists(st.text(alphabet="0123", min_size=17, max_size=17), min_size=0, max_size=40, unique=True)


@settings(max_examples=60, deadline=None)
@given(bodies, st.randoms(use_true_random=False))
def test_one_slip_pairs_are_counted_exactly(found: list[str], rng: random.Random) -> None:
    # near neighbours on purpose: each body also brings a slip of itself (a digit, or a swap)
    more = []
    for body in found:
        i = rng.randrange(16)
        more.append(body[:i] + body[i + 1] + body[i] + body[i + 2 :])
        j = rng.randrange(17)
        more.append(body[:j] + rng.choice("0123") + body[j + 1 :])
    distinct = sorted(set(found + more))
    expected = sum(_one_slip(a, b) for a, b in itertools.combinations(distinct, 2))
    with duckdb.connect() as con:
        con.execute("create table lnk_bodies (id_body varchar)")
        if distinct:
            con.executemany("insert into lnk_bodies values (?)", [[b] for b in distinct])
        one_slip, persons = con.execute((sql_dir() / "linkage" / "lnk_one_slip_pairs.sql").read_text()).fetchone()
    assert (int(one_slip), persons) == (expected, len(distinct))


def _number(rng: random.Random, year: int) -> str:
    first17 = f"431125{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1, 999):03d}"
    return first17 + id_check_char(first17)


def _roster(n: int = 6000) -> pl.DataFrame:
    """A county's roster in miniature: common two-character names (one of 40) and rare ones."""
    rng = random.Random(5)
    common = [s + g for s in "王李张刘陈" for g in "伟芳娜敏静丽强磊"]
    ids, names = set(), []
    while len(ids) < n:
        ids.add(_number(rng, rng.randint(1940, 2015)))
    for i in range(n):
        names.append(rng.choice(common) if i % 2 else rng.choice("赵钱孙周吴郑") + f"{i:05d}")
    return pl.DataFrame({"unique_id": sorted(ids), "name": names, "town": None, "village": None}).cast(
        {"town": pl.String, "village": pl.String}
    )


def _frame(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select("unique_id", *number_parts(pl.col("unique_id")), "name", "town", "village")


def _slip(number: str, places: list[int]) -> str:
    body = list(number[:17])
    for p in places:
        body[p] = str((int(body[p]) + 1) % 10) if p != 10 else str((int(body[p]) + 1) % 2)  # months stay months
    first17 = "".join(body)
    return first17 + id_check_char(first17)


def test_two_slips_and_common_names_are_honest() -> None:
    """A stranger's valid number one slip from a person with a rare name is that person; two slips
    (one of them in the birth date) from a namesake with a common name is not — the case of issue 22
    (李晓燕, 1989-06-18 against 1989-04-18); and a common name says less than a rare one."""
    cfg = load_config().linkage
    roster = _roster()
    persons = _frame(roster)
    model = train(persons, cfg)
    rng = random.Random(9)
    rare = roster.filter(~pl.col("name").str.len_chars().eq(2)).sample(30, seed=1)
    common = roster.filter(pl.col("name").str.len_chars().eq(2)).sample(30, seed=2)
    queries = []
    for kind, people, places in (
        ("rare_one", rare, lambda: [rng.choice([8, 9, 11, 12, 13, 14, 15])]),
        ("common_one", common, lambda: [rng.choice([8, 9, 11, 12, 13, 14, 15])]),
        ("common_two", common, lambda: [rng.choice([8, 9]), rng.choice([14, 15, 16])]),
        ("rare_two", rare, lambda: [rng.choice([8, 9]), rng.choice([14, 15, 16])]),
    ):
        for p in people.iter_rows(named=True):
            written = _slip(p["unique_id"], places())
            if written in set(roster["unique_id"]):
                continue
            queries.append({"unique_id": f"{kind}|{p['unique_id']}|{written}", "id": written, "name": p["name"]})
    q = pl.DataFrame(queries).with_columns(
        pl.lit(None, pl.String).alias("town"), pl.lit(None, pl.String).alias("village")
    )
    pairs = score(q.select("unique_id", *number_parts(pl.col("id")), "name", "town", "village"), persons, model, -100.0)
    stranger_prior = 0.01  # a county's: as many uncaught slips as caught, among many strangers
    odds = (stranger_prior / roster.height) * pl.lit(2.0).pow(pl.col("weight"))
    best = (
        pairs.with_columns((odds / (1 + odds)).alias("p"), pl.col("query_id").str.split("|").list.get(0).alias("kind"))
        .with_columns(pl.col("query_id").str.split("|").list.get(1).alias("intended"))
        .sort("p", descending=True)
        .unique("query_id", keep="first")
    )
    by_kind = {k: best.filter(pl.col("kind") == k) for k in ("rare_one", "common_one", "common_two", "rare_two")}
    assert (by_kind["rare_one"]["p"] >= cfg.recommend_at).all()
    assert (by_kind["rare_one"]["person_id"] == by_kind["rare_one"]["intended"]).all()
    assert (by_kind["common_two"]["p"] < cfg.recommend_at).all()  # two slips and a common name: never
    assert by_kind["common_one"]["p"].median() < by_kind["rare_one"]["p"].median()
    assert by_kind["common_two"]["p"].max() < by_kind["common_one"]["p"].min()  # two slips say less than one
    assert by_kind["rare_two"]["p"].max() < by_kind["rare_one"]["p"].min()
