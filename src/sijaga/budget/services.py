"""Commands of the budget app: the first argument is the acting Actor."""
