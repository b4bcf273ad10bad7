-- out_exit_agreed_pending: 已同意消除，名册未更新 — households whose 风险消除 a town agreed (同意消除, the answer in force on a 消除建议编号 of an earlier quarter) but whose roster row still says 风险是否消除 not 是: for the county office to update the roster (contract: leaving monitoring).
with answers as (
    select quarter, key, value, answered_by, answered_on
    from returned_answers
    where kind = 'exit' and quarter < $quarter
    qualify row_number() over (
        partition by quarter, key order by answered_on desc nulls last, arrival desc, row_number desc
    ) = 1
),

agreed as (
    select n.household_id, n.quarter, n.number, a.answered_by, a.answered_on
    from exit_numbers as n
    inner join answers as a on a.quarter = n.quarter and a.key = n.number
    where a.value = '同意消除'
    qualify row_number() over (partition by n.household_id order by n.quarter desc) = 1
)

select
    h.household_id,
    h.town,
    h.village,
    g.number as proposal_no,
    g.quarter as proposed_in,
    g.answered_by as agreed_by,
    g.answered_on as agreed_on
from int_roster__households as h
inner join agreed as g on g.household_id = h.household_id
where h.household_type = '监测户' and coalesce(h.risk_eliminated, '否') <> '是'
order by h.town, h.household_id
