"""What every domain shares: time, auth decorators, CSRF, HTTP client."""
