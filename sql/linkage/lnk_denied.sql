-- lnk_denied: the suggestions the county office said 不是本人 to, in force (lnk_answers_in_force).
select department, id_as_written, name_as_written, suggested_id_number as person_id
from lnk_answers_in_force where answer = '不是本人'
