"""Report requests, reports and report schedules."""
