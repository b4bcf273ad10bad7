-- The 消除建议编号 the quarter issued: each proposal's town and household.
select town, household_id, number from exit_numbers where quarter = $quarter
