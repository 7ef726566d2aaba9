"""Wiring: settings, the application factory, runtime, workers, jobs and the command line."""
