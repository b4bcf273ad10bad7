-- The rows to place that can reach a suggestion at all (transforms/linkage/model.py, before
-- Splink scores them): a row whose number is more than two slips from every namesake's, and
-- that has no place to agree on, cannot — its number says "another person" (m 0.005 against u
-- near 1: −7.6 bits), which a name (at most +17.3 bits on a county roster) and a one-off row
-- (at most +9.6) do not outweigh against the least evidence a suggestion needs (+19.7 bits with
-- the largest prior). Rows with a village are all kept: the place may add what is missing.
-- Two slips differ in at most four places (two swaps), so "at most four digits differ" (hamming,
-- cheaper than Damerau–Levenshtein) keeps every row within two slips of a namesake.
-- Input: lnk_all_queries and lnk_roster (QUERY_COLUMNS), each blocking part joined apart (equi-joins).
with near as (
    select q.unique_id from lnk_all_queries as q join lnk_roster as r on q.name = r.name and q.id_head = r.id_head
    where hamming(q.id_body, r.id_body) <= 4
    union
    select q.unique_id from lnk_all_queries as q join lnk_roster as r on q.name = r.name and q.id_day = r.id_day
    where hamming(q.id_body, r.id_body) <= 4
    union
    select q.unique_id from lnk_all_queries as q join lnk_roster as r on q.name = r.name and q.id_sequence = r.id_sequence
    where hamming(q.id_body, r.id_body) <= 4
)
select * from lnk_all_queries where unique_id in (select unique_id from near) or village is not null
