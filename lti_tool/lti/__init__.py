"""LTI 1.3 edges: OIDC login, launch, JWKS, deep linking, dynamic registration."""
