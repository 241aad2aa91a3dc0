"""`cqrs-lab bench`: how fast the lab is, each figure beside a baseline from the same run.

One module a measurement (store append, send, rebuild, sales query, startup, the screen
under load, memory); `runner` runs them, `report` prints them. The probes that need a
fresh interpreter (`cqrs_lab.tui.bench_probe`, `memory_probe`) run as `python -m`. This package
imports nothing heavy itself, so a probe starts as fast as the app it measures.
"""
