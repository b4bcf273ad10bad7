-- Append a file's answers (new_answers, registered): the answers are never updated, only added.
insert into returned_answers by name select * from new_answers
