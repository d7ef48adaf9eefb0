from tests.simulator.fixtures import _telco_process, recorder, telco  # noqa: F401  (fixtures)
