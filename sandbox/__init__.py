"""Running untrusted experiment code: the sandbox interface and its backends (Docker, local)."""
