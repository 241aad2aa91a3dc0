"""The write side: command handling over the event store (load, decide, append)."""
