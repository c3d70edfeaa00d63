"""Commands of the compliance app: the first argument is the acting Actor."""
