-- names: who a follow-up row is about, for the chase list: a person by identity number, a household by its 户主 (its name and number),
-- and a person not on the roster by the name a department wrote for that number this year (year-to-date signals: an
-- earlier quarter's claims), the latest quarter's first.
select id_number as key, name, id_number as head_id, 1 as priority from stg_roster__persons where quarter = $quarter
union all
select household_id as key, name, id_number as head_id, 1 as priority from stg_roster__persons
where quarter = $quarter and relation = '户主'
union all
select id_number as key, arg_max(name, quarter) as name, id_number as head_id, 2 as priority from stg_all__people
where left(quarter, 4) = left($quarter, 4) and quarter <= $quarter and name is not null
group by id_number
order by key, priority
