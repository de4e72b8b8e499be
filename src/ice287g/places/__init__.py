"""Geography: Census loaders, levels, placement, second opinion, county counts."""
