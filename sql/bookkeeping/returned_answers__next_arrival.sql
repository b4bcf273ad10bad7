-- The next file's arrival number: answers of a later file win over an earlier one's of the same date.
select coalesce(max(arrival), 0) + 1 from returned_answers
