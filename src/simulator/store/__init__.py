"""Keeping sessions beyond one process: a state file for every session, or Redis shared by replicas."""
