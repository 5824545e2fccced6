"""Tests of ember.tensor (a package, so test modules may share basenames with other folders)."""
