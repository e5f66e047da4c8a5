"""Key management and card cryptography. Imports nothing of the project."""
