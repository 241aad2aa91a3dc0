"""The classroom: attendees' labs publishing their progress, and the instructor's room."""
