"""Demo LMS tables (placeholder)."""
