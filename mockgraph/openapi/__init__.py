"""The OpenAPI document, its runnable examples and security schemes, and the pages that show it."""
