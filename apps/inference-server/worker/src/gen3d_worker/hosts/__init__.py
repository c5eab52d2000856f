"""Thin shells around WorkerService: the embedded HTTP host, the TorchServe handler and the CLI."""
