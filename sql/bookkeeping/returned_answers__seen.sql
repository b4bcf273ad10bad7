-- Whether a returned file (by its sha256) was read for the quarter already: its answers are not added twice.
select count(*) from returned_answers where quarter = $quarter and file_sha256 = $file_sha256
