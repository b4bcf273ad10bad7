-- cur_warnings: this run's rule firings, every rule's rows inserted in catalogue order (a temporary table of the connection).
create or replace temp table cur_warnings (
    rule_id varchar, household_id varchar, id_number varchar, town varchar, village varchar,
    cause varchar, department varchar, evidence varchar, signals varchar[],
    measure double  -- the spending rules' amount (out-of-pocket, yuan): what a 不属实 is measured against
)
