"""Prefect wiring of povwatch. Prefect's usage telemetry is switched off before Prefect is
imported: a county's machine may have no internet, and the run should not try to call out."""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
