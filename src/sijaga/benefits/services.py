"""Commands of the benefits app: the first argument is the acting Actor."""
