"""Playing Warmline without a platform: the simulator, the console, the demo."""
