-- The 预警编号 the quarter issued: each list row's town and subject (household or person).
select town, subject, number from listing_numbers where quarter = $quarter
