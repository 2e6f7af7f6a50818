"""Community labs: meetings, actions, members, the pulse, the report."""
