"""The shop domain: commands, events, rules. Pure Python: no storage, no time, no screens."""
