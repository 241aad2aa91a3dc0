"""Services (issue 18): Orders and Payments with their own data, integration messages
through a transactional outbox and a relay onto the visible bus, idempotent consumers with
an inbox. Off by default; `services on` attaches them to a Lab (see `runtime.py`)."""
