"""Cross-package tests run with core, every plugin and the test packages installed."""
