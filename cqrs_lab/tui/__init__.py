"""The CQRS Lab screen (Textual). Import `cqrs_lab.tui.app.LabApp` to run it; this package
imports nothing heavy itself, so the headless lab never loads Textual."""
