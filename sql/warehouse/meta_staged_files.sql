-- meta_staged_files: the quarter slices of a big staging table kept as Parquet files (transforms/staging/slices.py): folder relative to the data root, number of parts, whether some rows are excluded (duplicates); stg_<dataset> is then a view over stg_<dataset>__rows and these.
create table if not exists meta_staged_files (
    staging_table varchar, quarter varchar, folder varchar, parts integer, excluded boolean
)
