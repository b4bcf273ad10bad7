-- learn_published: the warnings a quarter's run published (the warehouse's history), for a backtest to set a trial against.
select rule_id, household_id, id_number, town from hist_warnings where quarter = $quarter
