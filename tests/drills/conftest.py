"""Fixtures for the failure drills (docs/reliability.md): the job tests' immediate sending, and figures a
drill measures printed at its end."""
import pytest

from tests.jobs.conftest import settings  # noqa: F401  (the same immediate sending as the job drills)


@pytest.fixture
def figures(request):
    """A dict a drill fills with what it measured; printed after the test (shown with -rP or -s)."""
    measured = {}
    yield measured
    if measured:
        print(f"\n{request.node.name}: " + ", ".join(f"{key}={value}" for key, value in measured.items()))
