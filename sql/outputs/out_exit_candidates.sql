-- out_exit_candidates: the 监测户 whose risk looks stably removed, proposed to their town for 风险消除 (contract: leaving monitoring). A household is proposed when, on the quarter's last day: it is a 监测户 with a monitoring type whose 风险是否消除 is not 是; it has been monitored at least 6 months (from 纳入监测时间 — the earliest a member's row gives — else from the first day of the first quarter the warehouse saw it as a 监测户; the start plus 6 months no later than the day after the quarter's last day); its per-capita income is at or above the monitoring line in this quarter's roster and the previous one; none of its warnings (any rule, its members' included) fired this quarter or the previous one; none of its work orders is still open (issued in an earlier quarter, its latest answer not 已办结); and not every member is without labour (丧失劳动力 or 无劳动力: such households are not closed, 兜底保障).
with households as (
    select * from int_roster__households
    where household_type = '监测户'
        and monitoring_type is not null
        and coalesce(risk_eliminated, '否') <> '是'
),

dated as (  -- 纳入监测时间 as the roster gives it (the earliest a member's row says)
    select household_id, min(monitored_since) as monitored_since
    from int_roster__persons
    group by household_id
),

first_seen as (  -- else: the first quarter the warehouse saw the household as a 监测户
    select household_id, min(quarter) as quarter
    from stg_roster__persons
    where household_type = '监测户' and quarter <= $quarter
    group by household_id
),

previous_roster as (
    select household_id, arg_max(per_capita_income, relation = '户主')::double as per_capita_income
    from stg_roster__persons
    where quarter = $previous_quarter
    group by household_id
),

labour as (
    select
        household_id,
        bool_and(coalesce(labour_status in ('丧失劳动力', '无劳动力'), false)) as nobody_can_work
    from int_roster__persons
    group by household_id
),

fired as (  -- this quarter's firings and the previous quarter's (the history), members' included
    select household_id, $quarter as quarter from cur_warnings where household_id is not null
    union all
    select household_id, quarter from hist_warnings
    where quarter = $previous_quarter and household_id is not null
),

answers as (  -- the settlement in force per work order
    select quarter, key, value
    from returned_answers
    where kind = 'settlement' and quarter < $quarter
    qualify row_number() over (
        partition by quarter, key order by answered_on desc nulls last, arrival desc, row_number desc
    ) = 1
),

open_orders as (  -- a work order issued for one of its warnings, not (yet) settled
    select distinct w.household_id
    from hist_warnings as w
    inner join work_order_numbers as o
        on o.quarter = w.quarter and o.rule_id = w.rule_id and o.subject = coalesce(w.id_number, w.household_id)
    left join answers as a on a.quarter = o.quarter and a.key = o.number
    where w.quarter < $quarter and w.household_id is not null and coalesce(a.value, '') <> '已办结'
),

judged as (
    select
        h.household_id,
        h.town,
        h.village,
        h.monitoring_type,
        h.risk_cause,
        h.members,
        coalesce(d.monitored_since, make_date(
            cast(left(f.quarter, 4) as integer), (cast(right(f.quarter, 1) as integer) - 1) * 3 + 1, 1
        )) as monitored_since,
        d.monitored_since is not null as since_from_roster,
        h.per_capita_income as income_now,
        p.per_capita_income as income_previous,
        l.nobody_can_work,
        exists (select 1 from fired as x where x.household_id = h.household_id) as warned,
        exists (select 1 from open_orders as x where x.household_id = h.household_id) as order_open
    from households as h
    left join dated as d using (household_id)
    left join first_seen as f using (household_id)
    left join previous_roster as p using (household_id)
    left join labour as l using (household_id)
)

select
    $quarter as quarter,
    household_id,
    town,
    village,
    monitoring_type,
    risk_cause,
    members,
    monitored_since,
    since_from_roster,
    datesub('month', monitored_since, $quarter_end::date + 1) as months_monitored,  -- whole months
    income_now,
    income_previous,
    $monitoring_line::double as monitoring_line
from judged
where monitored_since + interval 6 month <= $quarter_end::date + 1
    and income_now >= $monitoring_line
    and income_previous >= $monitoring_line
    and not warned
    and not order_open
    and not nobody_can_work
    and household_id not in (select household_id from out_exit_agreed_pending)  -- agreed already: the roster is behind
order by town, village, household_id
