"""What one HIL test does with a board, independent of pytest: artifacts, inference, energy."""
