"""powermon."""
