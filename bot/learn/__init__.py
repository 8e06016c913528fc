"""Small learned models (the answer/refuse cross-encoder) and the scripts that train them."""
