-- Every 建议编号 ever issued for the quarter (a rerun's included).
select number from id_suggestion_numbers where quarter = $quarter
