"""Prompt and message templates, one file each, loaded and checked for their variables."""
