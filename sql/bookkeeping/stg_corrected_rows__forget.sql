-- Forget a quarter's rows read with a confirmed corrected identity number (a rerun replaces them).
delete from stg_corrected_rows where quarter = $quarter
