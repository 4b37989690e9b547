"""`python -m cli` runs mlops-tf (useful from a work tree without reinstalling)."""

from .app import main

main()
