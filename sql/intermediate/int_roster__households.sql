-- int_roster__households: one row per roster household, with last year's household net income.
with persons as (
    select * from int_roster__persons
),

households as (
    select
        household_id,
        -- the head's place and figures; any member's when the head is missing
        arg_max(town, relation = '户主') as town,
        arg_max(village, relation = '户主') as village,
        arg_max(household_type, relation = '户主') as household_type,
        arg_max(monitoring_type, relation = '户主') as monitoring_type,
        arg_max(risk_eliminated, relation = '户主') as risk_eliminated,
        arg_max(risk_cause, relation = '户主') as risk_cause,
        arg_max(household_size, relation = '户主') as household_size,
        arg_max(per_capita_income, relation = '户主')::double as per_capita_income,
        count(*) as members
    from persons
    group by household_id
)

select
    *,
    household_size * per_capita_income as household_income  -- 上年家庭纯收入
from households
