"""Components registered on import."""
