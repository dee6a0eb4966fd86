"""RQ jobs (one module per family) and their schedule. Jobs take ids and are safe to run twice."""
