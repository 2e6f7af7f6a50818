"""The ballot box: sealed responses move into `responses` in batches."""
