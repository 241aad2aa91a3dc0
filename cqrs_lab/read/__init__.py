"""The read side: projections with checkpoints, the subscriber that feeds them, queries."""
