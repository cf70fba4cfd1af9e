"""Reports: dashboards, the completion register, training records, donor summaries, quiz analysis."""
