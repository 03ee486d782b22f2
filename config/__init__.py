"""Settings per environment. Secrets come only from environment variables."""
