"""Themes shipped with sitegen: each folder holds templates/ and static/."""
