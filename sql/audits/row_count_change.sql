-- row_count_change: per dataset, the share by which accepted rows changed since the previous quarter (datasets with rows last quarter).
with counts as (
    select unnest(datasets) as dataset, quarter, accepted
    from meta_ingest_files
    where quarter in ($quarter, $previous_quarter)
),

by_quarter as (
    select
        dataset,
        coalesce(sum(accepted) filter (where quarter = $quarter), 0) as rows_now,
        sum(accepted) filter (where quarter = $previous_quarter) as rows_before
    from counts
    group by dataset
)

select dataset as subject, abs(rows_now - rows_before)::double / rows_before as value
from by_quarter
where rows_before > 0
