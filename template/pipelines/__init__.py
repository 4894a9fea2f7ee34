"""ZenML pipelines: wiring of steps, no logic of their own."""
