"""Ship the repository-root `templates/` and `policies/` inside the wheel as package data.

The platform team edits them at the top of this repository; a built wheel carries a copy under
`platform_cli/_data/` so an installed `platform` finds them without a checkout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
SHIPPED = ("templates", "policies")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".git")


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's own directories
        target = Path(self.build_lib) / "platform_cli" / "_data"
        for name in SHIPPED:
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / name, dest, ignore=IGNORED)


setup(cmdclass={"build_py": BuildPyWithData})
