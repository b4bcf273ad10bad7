-- out_closed: the previous quarter's warnings that no longer fire this quarter, and how each ended (closure: 办结销号 / 核实消除 / 自然消除).
select
    p.quarter,
    p.rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    p.cause,
    p.department,
    p.evidence,
    p.status,
    $quarter as closed_in,
    case  -- how it ended: its work order settled, its town found the risk gone, or it just stopped
        when a.settled then '办结销号'
        when a.verification = '风险已消除' then '核实消除'
        else '自然消除'
    end as closure
from hist_warnings as p
left join int_followup__previous_answers as a on a.rule_id = p.rule_id and a.subject = p.subject
where p.quarter = $previous_quarter
  and not exists (
      select 1 from cur_warnings as c
      where c.rule_id = p.rule_id and coalesce(c.id_number, c.household_id) = p.subject
  )
