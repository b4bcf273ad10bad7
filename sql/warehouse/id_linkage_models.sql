-- id_linkage_models: the trained suggestion model (Splink's settings JSON with u estimated from the roster), by the roster's digest and the settings' digest: a rerun of the quarter, or any run on the same roster, reuses it instead of sampling the roster again.
create table if not exists id_linkage_models (
    roster_digest varchar, settings_digest varchar, model_json varchar, trained_at timestamp
)
