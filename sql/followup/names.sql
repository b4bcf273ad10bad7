-- names: who a follow-up row is about, for the chase list: a person by identity number, a household by its 户主 (its name and number).
select id_number as key, name, id_number as head_id from stg_roster__persons where quarter = $quarter
union all
select household_id as key, name, id_number as head_id from stg_roster__persons
where quarter = $quarter and relation = '户主'
