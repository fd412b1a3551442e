"""The vendor-neutral engine: clock, ids, stores, lifecycles, plans and scenarios. It imports no vendor."""
