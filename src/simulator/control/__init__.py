"""The simulator's own API under /_sim/, served and validated like any vendor API."""
