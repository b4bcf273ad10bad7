-- INC_BELOW_LINE: a roster household whose per-capita net income is below the monitoring line.
select
    'INC_BELOW_LINE' as rule_id,
    household_id,
    null::varchar as id_number,
    town,
    village,
    'income' as cause,
    'county' as department,
    '上年家庭人均纯收入' || format('{:,.2f}', per_capita_income) || '元，低于监测线'
        || format('{:,.0f}', $monitoring_line::double) || '元' as evidence
from int_roster__households
where per_capita_income < $monitoring_line
