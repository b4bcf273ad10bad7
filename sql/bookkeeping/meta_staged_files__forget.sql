-- Forget where a staged table's quarter lay on disk (restaged).
delete from meta_staged_files where quarter = $quarter and staging_table = $table
