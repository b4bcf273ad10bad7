-- NEW_CANDIDATE: a person not on the roster with a hardship signal (suspected new case, 防止新致贫); one warning per person listing every signal.
with signals as (
    select id_number, 1 as priority, 'illness' as cause, null::varchar as town, null::varchar as village,
        $period_label || '医疗个人自付' || format('{:,.2f}', out_of_pocket) || '元' as signal
    from int_medical__oop_by_person
    where out_of_pocket > $new_candidate_oop

    union all

    select id_number, 2, 'housing', town, village,
        '住房鉴定为' || appraisal_grade || '级危房，' || renovation_status
    from stg_housing__appraisals
    where quarter = $quarter
      and appraisal_grade in ('C', 'D')
      and renovation_status not in ('已竣工', '已搬迁')

    union all

    select id_number, 3, case when assistance_type = '临时救助' then 'accident' else 'income' end, town, village,
        strftime(start_date, '%Y年%-m月%-d日') || '新纳入' || assistance_type
    from stg_civil__assistance
    where quarter = $quarter
      and assistance_type in ('农村低保', '城市低保', '特困供养', '临时救助')
      and start_date between $quarter_start::date and $quarter_end::date

    union all

    select id_number, 4, 'disability', null, null,
        strftime(issued_on, '%Y年%-m月%-d日') || '新办' || grade || category || '残疾人证'
    from int_disability__current_certificates
    where grade in ('一级', '二级')
      and issued_on between $quarter_start::date and $quarter_end::date
),

outsiders as (
    select s.*
    from signals as s
    anti join int_roster__persons as p on p.id_number = s.id_number
)

select
    'NEW_CANDIDATE' as rule_id,
    null::varchar as household_id,
    id_number,
    arg_min(town, case when town is null then 99 else priority end) as town,
    arg_min(village, case when village is null then 99 else priority end) as village,
    arg_min(cause, priority) as cause,
    'county' as department,
    string_agg(signal, '；' order by priority, signal) as evidence,
    list(distinct case priority when 1 then 'medical_oop' when 2 then 'housing_unsafe'
        when 3 then 'civil_new' else 'disability_new' end) as signals
from outsiders
group by id_number
