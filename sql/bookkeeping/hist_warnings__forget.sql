-- Forget a quarter's warnings in the history (the quarter compared again: a rerun).
delete from hist_warnings where quarter = $quarter
