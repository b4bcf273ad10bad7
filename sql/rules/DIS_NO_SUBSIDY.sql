-- DIS_NO_SUBSIDY: a roster person of grade 一级/二级 without 护理补贴, or of any grade in a 低保 household without 生活补贴 (work order only).
select
    'DIS_NO_SUBSIDY' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'disability' as cause,
    'disability' as department,
    d.category || d.grade || '残疾，'
        || concat_ws('；',
            case when d.grade in ('一级', '二级') and d.care_subsidy = '否' then '未享受重度残疾人护理补贴' end,
            case when b.household_id is not null and d.living_subsidy = '否' then '低保家庭，未享受困难残疾人生活补贴' end
        ) as evidence
from int_disability__current_certificates as d
inner join int_roster__persons as p on p.id_number = d.id_number
left join int_civil__dibao_households as b on b.household_id = p.household_id
where (
      (d.grade in ('一级', '二级') and d.care_subsidy = '否')
      or (b.household_id is not null and d.living_subsidy = '否')
  )
