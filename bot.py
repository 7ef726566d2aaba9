"""Cầu Nối command line: `python bot.py --help` lists every command."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main())
