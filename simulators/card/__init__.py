"""The soft social security card: a card OS and the SSC application on it."""
