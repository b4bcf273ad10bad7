-- out_listing_basis: for every roster household, what a town list says when the household is listed without a rule of its own (a 监测户 whose risk is not eliminated, or income under the yellow line): its income against the yellow line, its monitoring type and main risk cause as the roster records them, and last quarter's colour (与上季度相比).
select
    h.household_id,
    h.per_capita_income,
    $yellow_line::double as yellow_line,
    h.monitoring_type,
    h.risk_cause,
    p.colour as previous_colour
from int_roster__households as h
left join hist_households as p
    on p.household_id = h.household_id
    and p.quarter = $previous_quarter
