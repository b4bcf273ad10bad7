-- CIV_TEMP_ASSIST: a roster household with a 临时救助 (temporary assistance) record this quarter — a hardship signal.
select
    'CIV_TEMP_ASSIST' as rule_id,
    p.household_id,
    null::varchar as id_number,
    any_value(p.town) as town,
    any_value(p.village) as village,
    'accident' as cause,
    'civil' as department,
    '本季度获临时救助' || count(*) || '次，共' || format('{:,.2f}', sum(c.amount)::double) || '元（最近一次'
        || strftime(max(c.start_date), '%Y年%-m月%-d日') || '）' as evidence
from stg_civil__assistance as c
inner join int_roster__persons as p on p.id_number = c.id_number
where c.quarter = $quarter
  and c.assistance_type = '临时救助'
  and c.start_date between $quarter_start::date and $quarter_end::date
group by p.household_id
