"""Feed submissions and their processing results."""
