-- The slices of a staging table kept as Parquet files (warehouse.files/), each quarter's folder and parts.
select quarter, folder, parts, excluded from meta_staged_files where staging_table = $table order by quarter
