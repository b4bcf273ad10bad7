-- How many pairs of roster persons have numbers one slip apart (疑似录错: one digit wrong, or two
-- neighbouring digits swapped, in the first 17), counted exactly rather than sampled: too rare for
-- a random sample to see, and the likelihood of one slip rests on it (transforms/linkage/model.py).
-- Input: lnk_bodies(id_body) — the roster's distinct 17-digit bodies. The digits are worked on as
-- one integer (17 digits fit in a bigint): the digit at place i (from the left) is
-- (v // 10^(17-i)) % 10.
with bodies as (
    select id_body::bigint as v from lnk_bodies where regexp_full_match(id_body, '[0-9]{17}')
),
places as (
    select i, (10::bigint) ** (17 - i) as p from range(1, 18) as t(i)
),
masked as (
    -- one digit wrong: the two numbers are equal with that digit set to 0
    select i, v - ((v // p::bigint) % 10) * p::bigint as masked_value, count(*) as n
    from bodies, places
    group by all
),
swapped as (
    -- two neighbours swapped: one number, its i-th and (i+1)-th digits exchanged, is the other
    select v + (((v // q) % 10) - ((v // p) % 10)) * (p - q) as swapped_value
    from bodies, (select i, p::bigint as p, (p // 10)::bigint as q from places where i < 17) as pairs
    where (v // p) % 10 <> (v // q) % 10
)
select
    coalesce((select sum(n * (n - 1) / 2) from masked), 0)
    + coalesce((select count(*) from swapped join bodies on bodies.v = swapped.swapped_value), 0) / 2
    as one_slip_pairs,
    (select count(*) from bodies) as persons
