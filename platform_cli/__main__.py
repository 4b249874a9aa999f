"""`python -m platform_cli` runs the same CLI as the `platform` console script."""

from platform_cli.cli.main import main

if __name__ == "__main__":
    main()
