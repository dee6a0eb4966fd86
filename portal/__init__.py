"""Grid-governance portal: app core (settings, auth, services, i18n, CLI)."""
