"""The runtime: wiring, lifecycle, the dispatcher, the delivery pipeline and the scheduler."""
