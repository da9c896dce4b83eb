"""Widgets: operator list, frame panes."""
