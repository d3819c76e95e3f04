"""Sign-in, second factor, sessions and the user's own account."""
