"""Learning paths and steps; AGS line items and scores."""
