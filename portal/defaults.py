"""Constants in one place (the way rq keeps its defaults module)."""

from __future__ import annotations

# Login
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15

# Queues and jobs
DEFAULT_QUEUE = "default"
REMINDER_CRON = "0 * * * *"  # hourly, at minute 0 in the portal's time zone
JOB_TIMEOUT_SECONDS = 600
JOB_RESULT_TTL_SECONDS = 7 * 24 * 3600
JOB_FAILURE_TTL_SECONDS = 30 * 24 * 3600

# Lists
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500

# Free text
MAX_DESCRIPTION_LENGTH = 2000
MAX_RESOLUTION_LENGTH = 2000
MAX_MEDIATION_TEXT_LENGTH = 2000  # a mediation session's notes, an agreement's text

# Cache lifetime of read-only KPI results in the UI; the workers write the database too.
KPI_CACHE_TTL_SECONDS = 30

# Case import and export
IMPORT_BATCH_SIZE = 5_000  # rows validated, checked for duplicates and inserted together
IMPORT_MAX_UPLOAD_MB = 20
IMPORT_DIRECT_MAX_ROWS = 2_000  # larger files go to the job queue, with a progress bar
EXPORT_PAGE_SIZE = 5_000  # rows fetched from the database at a time while exporting
EXPORT_DIRECT_MAX_ROWS = 20_000  # larger exports are written by a worker, with a progress bar
