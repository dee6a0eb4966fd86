"""Constants in one place (the way rq keeps its defaults module)."""

from __future__ import annotations

# Login
MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15

# Queues and jobs
DEFAULT_QUEUE = "default"
REMINDER_CRON = "0 * * * *"  # hourly, at minute 0 in the portal's time zone
# Activities within 3 days and late corrective actions; hourly too, so a reminder missed while Redis or a worker
# was down goes out within the hour (the once-per-item-per-day claim keeps it to one a day).
ACTIVITY_REMINDER_CRON = "5 * * * *"
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

# Case import and export
IMPORT_BATCH_SIZE = 5_000  # rows validated, checked for duplicates and inserted together
IMPORT_MAX_UPLOAD_MB = 20
ATTACHMENT_MAX_MB = 10  # photos and sign-in sheets attached to activity logs
IMPORT_DIRECT_MAX_ROWS = 2_000  # larger files go to the job queue, with a progress bar
EXPORT_PAGE_SIZE = 5_000  # rows fetched from the database at a time while exporting
EXPORT_DIRECT_MAX_ROWS = 20_000  # larger exports are written by a worker, with a progress bar

# KPI pages
EARLY_WARNING_BASELINE_PERIODS = 8  # a count is compared with the same unit's previous periods of equal length ...
EARLY_WARNING_SIGMAS = 2.0  # ... and flagged above their mean + this many standard deviations ...
EARLY_WARNING_MIN_CASES = 5  # ... when it is at least this many cases
EARLY_WARNING_MAX_DAYS = 92  # longer periods have no baseline worth the name (8 years for a year)

# Reports and the Monday email
REPORT_LIST_LIMIT = 50  # rows of a list section (overdue, escalated) in the email; the workbook says how many more
REPORT_UPCOMING_DAYS = 14  # drills and training coming up, listed in the report
# Monday 08:00 office time, then hourly through Monday: a run missed while the scheduler was down is caught up,
# and the once-per-recipient claim keeps it to one email each.
WEEKLY_REPORT_CRON = "0 8-23 * * 1"
