"""Programs, profiles and pairs; ``engine`` is the pure matching core (no Flask, no database)."""
