"""LMS platforms the tool is registered with: Platform, Deployment, ToolKey, admin pages."""
