-- hist_warnings: every quarter's warnings as published (for statuses 新增/持续/升级 and closures next quarter); a rerun replaces its quarter.
create table if not exists hist_warnings (
    quarter varchar, rule_id varchar, household_id varchar, id_number varchar, town varchar, village varchar,
    cause varchar, department varchar, evidence varchar, status varchar, signals varchar[], subject varchar
);
-- (added with the closed loop: last quarter's answer carried, and whether the warning was sent)
alter table hist_warnings add column if not exists followup varchar;
alter table hist_warnings add column if not exists listed boolean;
-- (added with the suggestions for mistyped identity numbers)
alter table hist_warnings add column if not exists id_corrected boolean;
-- (added when a 不属实 came to hold until the facts change materially: the amount a warning measured,
-- and the evidence and amount the town judged 不属实, carried while the judgement holds)
alter table hist_warnings add column if not exists measure double;
alter table hist_warnings add column if not exists judged_evidence varchar;
alter table hist_warnings add column if not exists judged_measure double;
alter table hist_warnings add column if not exists changed_since_judged varchar
