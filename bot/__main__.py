import sys

from bot.cli import main

if __name__ == "__main__":  # not again in a child process started by spawn
    sys.exit(main())
