-- out_warnings: this quarter's warnings with their status against the previous quarter (新增 new, 持续 continuing, 升级 escalated), last quarter's answer (followup), whether each is sent (listed) and whether it rests on an identity number the county office confirmed as a correction (id_corrected, said in its evidence too).
with current_warnings as (
    select *, coalesce(id_number, household_id) as subject from int_warnings__listed
),

previous as (
    select * from hist_warnings where quarter = $previous_quarter
),

previous_households as (
    select * from hist_households where quarter = $previous_quarter
),

-- a warning resting on a row whose identity number the county office confirmed as a correction:
-- its person's, or (household rules) a member's, in the warning's own department
corrected as (
    select distinct department, id_number as subject from int_linkage__corrected_people
    union
    select distinct department, household_id from int_linkage__corrected_people where household_id is not null
),

colour_rank as (
    select * from (values ('green', 1), ('yellow', 2), ('red', 3)) as t(colour, rank)
),

household_rose as (
    select h.household_id
    from cur_households as h
    inner join colour_rank as now_rank on now_rank.colour = h.colour
    left join previous_households as p on p.household_id = h.household_id
    left join colour_rank as was_rank on was_rank.colour = p.colour
    where p.household_id is not null and now_rank.rank > was_rank.rank
),

gained_red_rule as (
    select distinct c.household_id
    from current_warnings as c
    where c.household_id is not null
      and not list_contains($work_order_only_rules, c.rule_id)
      and c.listed
      and not exists (
          select 1 from previous as p where p.household_id = c.household_id and p.rule_id = c.rule_id
      )
),

statused as (
    select
        $quarter as quarter,
        c.rule_id,
        c.household_id,
        c.id_number,
        c.town,
        c.village,
        c.cause,
        c.department,
        case when k.subject is not null then c.evidence || '（身份证号经县级确认更正）' else c.evidence end as evidence,
        case
            when p.subject is null then '新增'
            when c.rule_id = 'NEW_CANDIDATE' and len(list_filter(c.signals, lambda s: not list_contains(p.signals, s))) > 0
                then '升级'
            when c.rule_id <> 'NEW_CANDIDATE'
                and (c.household_id in (select household_id from household_rose)
                     or c.household_id in (select household_id from gained_red_rule))
                then '升级'
            else '持续'
        end as status,
        c.signals,
        c.subject,
        c.followup,
        c.listed,
        k.subject is not null as id_corrected,
        c.measure,
        c.judged_evidence,
        c.judged_measure,
        c.changed_since_judged
    from current_warnings as c
    left join previous as p on p.rule_id = c.rule_id and p.subject = c.subject
    left join corrected as k on k.department = c.department and k.subject = c.subject
)

select * from statused
