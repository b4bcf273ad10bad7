"""Prefect wiring of povwatch. Prefect's and Great Expectations' usage telemetry is switched off before
either is imported: a county's machine may have no internet, and the run should not try to call out."""

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
