"""Plain machine-learning logic of the project, free of ZenML so it can be tested alone."""
