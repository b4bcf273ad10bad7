-- lnk_roster_persons: the quarter's roster persons as the suggestions search them (one row a number).
select distinct id_number, name, town, village, household_id from stg_roster__persons where quarter = $quarter
