-- out_risk_returned: 返贫风险 — the households the roster says 风险已消除 (风险是否消除 是) that a red-making warning sent this quarter colours red again: the risk has come back after 消除, the very thing monitoring exists to catch (contract: leaving monitoring and coming back).
select
    h.household_id,
    h.town,
    h.village,
    list(distinct w.rule_id order by w.rule_id) as rule_ids
from int_roster__households as h
inner join int_warnings__listed as w on w.household_id = h.household_id
where h.risk_eliminated = '是'
    and w.listed
    and not list_contains($work_order_only_rules, w.rule_id)
group by h.household_id, h.town, h.village
order by h.town, h.household_id
