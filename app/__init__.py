"""GigMarket (零工市场) matching API."""
