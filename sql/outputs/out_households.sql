-- out_households: every roster household of the quarter with its colour (red / yellow / green), rules, causes and whether it is listed for its town.
with fired as (
    select
        household_id,
        list(distinct rule_id order by rule_id) as rule_ids,
        list(distinct cause order by cause) as causes,
        bool_or(not list_contains($work_order_only_rules, rule_id)) as has_red_rule,
        bool_or(list_contains($work_order_only_rules, rule_id)) as has_work_order_only_rule
    from int_warnings__listed
    where household_id is not null and listed  -- a warning not sent does not colour or list a household
    group by household_id
),

coloured as (
    select
        $quarter as quarter,
        h.household_id,
        h.town,
        h.village,
        h.household_type,
        case
            when coalesce(f.has_red_rule, false) then 'red'
            when h.household_type = '监测户' and coalesce(h.risk_eliminated, '否') <> '是' then 'red'
            when h.per_capita_income < $yellow_line then 'yellow'
            else 'green'
        end as colour,
        coalesce(f.rule_ids, []::varchar[]) as rule_ids,
        coalesce(f.causes, []::varchar[]) as causes,
        h.members,
        coalesce(f.has_work_order_only_rule, false) as has_work_order
    from int_roster__households as h
    left join fired as f on f.household_id = h.household_id
)

select
    *,
    colour in ('red', 'yellow') or has_work_order as is_listed
from coloured
