-- lnk_unlist_pending: a stranger's warning that waits on a recommended suggestion is not sent as a separate person (one person, one row, one visit): the quarter's history records it as not listed. Parameters: $quarter. Source: the registered frame `pending_strangers` (id_number).
update hist_warnings set listed = false
where quarter = $quarter
  and rule_id = 'NEW_CANDIDATE'
  and id_number in (select id_number from pending_strangers)
