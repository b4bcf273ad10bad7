-- hist_households: every quarter's households with their colour and rules (for 升级 next quarter); a rerun replaces its quarter.
create table if not exists hist_households (
    quarter varchar, household_id varchar, town varchar, village varchar, household_type varchar, colour varchar,
    rule_ids varchar[], causes varchar[], members bigint, has_work_order boolean, is_listed boolean
)
