"""The test suite runs the same from an editable install and from `pip install .` (as CI does)."""

import re

from conftest import ROOT


def test_no_test_module_imports_the_tests_folder_as_a_package() -> None:
    # tests/ is not a package: `from tests.hostile import ...` works only where an editable install
    # happens to put the project root on sys.path, and fails in CI. Import `hostile` or `conftest`.
    offenders = [path.name for path in sorted((ROOT / "tests").glob("*.py"))
                 if re.search(r"^\s*(from|import) tests\b", path.read_text(encoding="utf-8"), re.M)]
    assert offenders == []
