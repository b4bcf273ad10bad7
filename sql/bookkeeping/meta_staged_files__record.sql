-- Where a staged table's quarter lies on disk: its folder of Parquet parts, and whether some rows are excluded.
insert into meta_staged_files values ($table, $quarter, $folder, $parts, $excluded)
