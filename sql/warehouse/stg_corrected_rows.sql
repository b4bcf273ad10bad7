-- stg_corrected_rows: the rows of each quarter read with an identity number the county office confirmed as a correction (dataset, number now used, where the row stands); a rerun replaces its quarter.
create table if not exists stg_corrected_rows (
    quarter varchar, dataset varchar, id_number varchar, source_file varchar, source_sheet varchar,
    source_row bigint
)
