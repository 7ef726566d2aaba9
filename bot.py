"""Cầu Nối command line: `python bot.py --help` lists every command."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
