import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import pytest  # noqa: E402

import ember  # noqa: E402


@pytest.fixture(autouse=True)
def _reset_global_state():
    """Every test starts with grad mode on and float32 as the default dtype."""
    ember.set_grad_enabled(True)
    ember.set_default_dtype(ember.float32)
    yield
    ember.set_grad_enabled(True)
    ember.set_default_dtype(ember.float32)
