-- lnk_bodies: the distinct first 17 digits of the roster's numbers, for counting the pairs one slip apart.
create or replace table lnk_bodies as select distinct id_body from lnk_roster where id_body is not null
