"""Officers' dashboard: the pages officers use to answer, report and prepare announcements."""
