import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, settings

# CI: derandomised and without deadlines so a green run stays green; locally the
# same number of examples, but fresh ones each run so new seeds get explored.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=100,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Oracle sweeps: how many sampled variants each generator is checked on against PyTorch.
ORACLE_VARIANTS = int(os.environ.get("QBANK_ORACLE_VARIANTS", "300"))


def run_qbank(*args, cwd=None, env=None):
    """Run `python -m qbank ARGS` as a user would, from another directory."""
    return subprocess.run([sys.executable, "-m", "qbank", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


@pytest.fixture
def qbank_cli(tmp_path):
    return lambda *args, **kw: run_qbank(*args, cwd=kw.pop("cwd", tmp_path), **kw)
