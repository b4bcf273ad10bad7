-- DIS_NEW: a roster person issued a disability certificate this quarter.
select
    'DIS_NEW' as rule_id,
    p.household_id,
    p.id_number,
    p.town,
    p.village,
    'disability' as cause,
    'disability' as department,
    strftime(d.issued_on, '%Y年%-m月%-d日') || '新办残疾人证：' || d.category || d.grade as evidence
from int_disability__current_certificates as d
inner join int_roster__persons as p on p.id_number = d.id_number
where d.issued_on between $quarter_start::date and $quarter_end::date
