"""`python -m caucasus` runs the command line."""

from caucasus.cli import main

raise SystemExit(main())
