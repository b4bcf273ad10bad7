-- hist_warnings: every quarter's warnings as published (for statuses 新增/持续/升级 and closures next quarter); a rerun replaces its quarter.
create table if not exists hist_warnings (
    quarter varchar, rule_id varchar, household_id varchar, id_number varchar, town varchar, village varchar,
    cause varchar, department varchar, evidence varchar, status varchar, signals varchar[], subject varchar
);
-- (added with the closed loop: last quarter's answer carried, and whether the warning was sent)
alter table hist_warnings add column if not exists followup varchar;
alter table hist_warnings add column if not exists listed boolean;
-- (added with the suggestions for mistyped identity numbers)
alter table hist_warnings add column if not exists id_corrected boolean
