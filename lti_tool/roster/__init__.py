"""Courses, people and memberships, kept in step with the LMS (launch claims and NRPS)."""
