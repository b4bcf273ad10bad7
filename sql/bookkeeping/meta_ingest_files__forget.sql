-- Forget a quarter's per-file accounting (a rerun replaces it).
delete from meta_ingest_files where quarter = $quarter
