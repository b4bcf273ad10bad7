-- meta_ingest_files: every input file of every quarter, with its accounting (rows read = accepted + rejected + duplicates + ignored); a rerun replaces its quarter.
create table if not exists meta_ingest_files (
    quarter varchar, department varchar, path varchar, sha256 varchar, datasets varchar[],
    rows_read bigint, accepted bigint, rejected bigint, duplicates bigint, ignored bigint,
    error varchar
)
