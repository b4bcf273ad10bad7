-- Forget a quarter's households' colours in the history (the quarter compared again: a rerun).
delete from hist_households where quarter = $quarter
