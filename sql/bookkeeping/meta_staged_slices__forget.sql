-- Forget a staged table's slice of a quarter (restaged: a rerun, or the slice's rows changed).
delete from meta_staged_slices where quarter = $quarter and staging_table = $table
