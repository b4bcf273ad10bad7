-- CIV_DIBAO_GAP: a roster household below the 低保 standard with no member in 低保 or 特困 (在保/渐退期).
with covered as (
    select distinct p.household_id
    from stg_civil__assistance as c
    inner join int_roster__persons as p on p.id_number = c.id_number
    where c.quarter = $quarter
      and c.assistance_type in ('农村低保', '城市低保', '特困供养')
      and c.status in ('在保', '渐退期')
)

select
    'CIV_DIBAO_GAP' as rule_id,
    h.household_id,
    null::varchar as id_number,
    h.town,
    h.village,
    'income' as cause,
    'civil' as department,
    '家庭人均纯收入' || format('{:,.2f}', h.per_capita_income) || '元，低于低保标准'
        || format('{:,.0f}', $dibao_standard::double) || '元，但无成员享受低保或特困供养' as evidence
from int_roster__households as h
left join covered as c on c.household_id = h.household_id
where h.per_capita_income < $dibao_standard
  and c.household_id is null
