-- meta_staged_slices: what each quarter's slice of a big staging table was staged from (the
-- digest of its files' outcomes, their settlement and the staging model), so a run whose files
-- were all reused does not stage the same millions of rows again; a rerun replaces its row.
create table if not exists meta_staged_slices (
    quarter varchar, staging_table varchar, digest varchar, row_count bigint
)
