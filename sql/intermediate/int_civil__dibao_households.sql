-- int_civil__dibao_households: roster households with a member in 低保 (在保 or 渐退期) — a "低保 household".
select distinct p.household_id
from stg_civil__assistance as c
inner join int_roster__persons as p on p.id_number = c.id_number
where c.quarter = $quarter
  and c.assistance_type in ('农村低保', '城市低保')
  and c.status in ('在保', '渐退期')
