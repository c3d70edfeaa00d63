"""Commands of the coverage app: the first argument is the acting Actor."""
