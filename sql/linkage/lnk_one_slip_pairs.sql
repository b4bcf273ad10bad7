-- How many pairs of roster persons have numbers one slip apart (疑似录错: one digit wrong, or two
-- neighbouring digits swapped, in the first 17), counted exactly rather than sampled: too rare for
-- a random sample to see, and the likelihood of one slip rests on it (transforms/linkage/model.py).
-- Input: lnk_bodies(id_body) — the roster's distinct 17-digit bodies.
with masked as (
    -- one digit wrong: the two bodies are equal with that digit masked
    select i, substr(id_body, 1, i - 1) || substr(id_body, i + 1) as masked_body, count(*) as n
    from lnk_bodies, range(1, 18) as places(i)
    group by all
),
swapped as (
    -- two neighbours swapped: one body, its i-th and (i+1)-th digits exchanged, is the other
    select substr(id_body, 1, i - 1) || substr(id_body, i + 1, 1) || substr(id_body, i, 1) || substr(id_body, i + 2)
        as swapped_body
    from lnk_bodies, range(1, 17) as places(i)
    where substr(id_body, i, 1) <> substr(id_body, i + 1, 1)
)
select
    coalesce((select sum(n * (n - 1) / 2) from masked), 0)
    + coalesce((select count(*) from swapped join lnk_bodies on lnk_bodies.id_body = swapped.swapped_body), 0) / 2
    as one_slip_pairs,
    (select count(*) from lnk_bodies) as persons
