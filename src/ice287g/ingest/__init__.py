"""Reading ICE's lists (per era, web tables) into raw rows."""
