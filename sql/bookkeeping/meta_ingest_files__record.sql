-- One input file's accounting: rows read, accepted, rejected, duplicates, not data; its error.
insert into meta_ingest_files values ($q, $d, $p, $s, $ds, $r, $a, $rj, $du, $ig, $e)
