"""Worker threads that feed the UI, and the one hop back to the UI thread."""
