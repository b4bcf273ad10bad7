-- int_roster__persons: the quarter's roster members, with birth date and age on the reference date.
with persons as (
    select * from stg_roster__persons where quarter = $quarter
),

aged as (
    select
        *,
        strptime(substr(id_number, 7, 8), '%Y%m%d')::date as born_on,
        date_diff('year', strptime(substr(id_number, 7, 8), '%Y%m%d')::date, $quarter_end::date)
            - case when strftime(strptime(substr(id_number, 7, 8), '%Y%m%d'), '%m%d') > strftime($quarter_end::date, '%m%d')
                then 1 else 0 end as age
    from persons
)

select * from aged
