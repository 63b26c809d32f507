"""User accounts: sign-up with e-mail verification, login with brute-force protection,
password reset and change."""
