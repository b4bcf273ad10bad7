-- What a name is in the warehouse's main schema: 'view', 'table' or nothing (temporary objects aside).
select case
    when exists (select 1 from duckdb_views() where view_name = $name and not temporary and schema_name = 'main')
        then 'view'
    when exists (select 1 from duckdb_tables() where table_name = $name and not temporary and schema_name = 'main')
        then 'table'
end
