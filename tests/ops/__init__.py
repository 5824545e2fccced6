"""Tests of ember.ops (a package, so test modules may share basenames with other folders)."""
