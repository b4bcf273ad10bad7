-- CIV_DIBAO_STOPPED: a member's 低保 turned 停保 this quarter while the household's per-capita income is below the set multiple of the 低保 standard.
with stopped as (
    select id_number, min(end_date) as end_date
    from stg_civil__assistance
    where quarter = $quarter
      and assistance_type in ('农村低保', '城市低保')
      and status = '停保'
      and end_date between $quarter_start::date and $quarter_end::date
    group by id_number
)

select
    'CIV_DIBAO_STOPPED' as rule_id,
    h.household_id,
    null::varchar as id_number,
    h.town,
    h.village,
    'income' as cause,
    'civil' as department,
    '家庭成员低保于' || strftime(min(s.end_date), '%Y年%-m月%-d日') || '停保，家庭人均纯收入'
        || format('{:,.2f}', h.per_capita_income) || '元，低于低保标准' || format('{:,.0f}', $dibao_standard::double)
        || '元的' || format('{:g}', $dibao_stop_multiple::double) || '倍' as evidence
from stopped as s
inner join int_roster__persons as p on p.id_number = s.id_number
inner join int_roster__households as h on h.household_id = p.household_id
where h.per_capita_income < $dibao_stop_multiple * $dibao_standard
group by h.household_id, h.town, h.village, h.per_capita_income
