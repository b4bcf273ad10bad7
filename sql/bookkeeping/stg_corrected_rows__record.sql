-- A quarter's rows read with a confirmed corrected identity number (registered as corrected_rows).
insert into stg_corrected_rows by name select * from corrected_rows
