"""Content as data: YAML files, their schema, loader, Vietnamese normaliser and search."""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent
