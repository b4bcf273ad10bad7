-- EDU_NO_AID: a roster student (在读) with no aid (资助项目 无) — work order only.
select
    'EDU_NO_AID' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'schooling' as cause,
    'education' as department,
    -- the school, then its stage unless the school's name already ends with it (实验小学, not 实验小学小学)
    case when s.school like '%' || s.stage then s.school else coalesce(s.school, '') || s.stage end
        || '在读，资助项目：无' as evidence
from stg_education__students as s
inner join int_roster__persons as p on p.id_number = s.id_number
where s.quarter = $quarter
  and s.enrolment_status = '在读'
  and s.aid = '无'
