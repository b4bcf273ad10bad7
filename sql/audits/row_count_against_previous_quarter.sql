-- row_count_against_previous_quarter: datasets whose accepted rows changed by more than $max_change since the previous quarter.
with counts as (
    select
        department || ':' || unnest(datasets) as dataset,
        quarter,
        accepted
    from meta_ingest_files
    where quarter in ($quarter, $previous_quarter)
),

by_quarter as (
    select
        dataset,
        sum(accepted) filter (where quarter = $quarter) as rows_now,
        sum(accepted) filter (where quarter = $previous_quarter) as rows_before
    from counts
    group by dataset
)

select dataset, coalesce(rows_now, 0) as rows_now, rows_before
from by_quarter
where rows_before > 0
  and abs(coalesce(rows_now, 0) - rows_before) > $max_change * rows_before
