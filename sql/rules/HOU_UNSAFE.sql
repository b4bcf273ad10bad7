-- HOU_UNSAFE: a roster household with a house appraised C or D and not yet renovated (not 已竣工/已搬迁).
select
    'HOU_UNSAFE' as rule_id,
    p.household_id,
    null::varchar as id_number,
    any_value(p.town) as town,
    any_value(p.village) as village,
    'housing' as cause,
    'housing' as department,
    string_agg(
        '住房于' || strftime(a.appraised_on, '%Y年%-m月%-d日') || '鉴定为' || a.appraisal_grade || '级危房，改造状态：'
            || a.renovation_status, '；' order by a.appraised_on
    ) as evidence
from stg_housing__appraisals as a
inner join int_roster__persons as p on p.id_number = a.id_number
where a.quarter = $quarter
  and a.appraisal_grade in ('C', 'D')
  and a.renovation_status not in ('已竣工', '已搬迁')
group by p.household_id
