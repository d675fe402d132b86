"""The explorer's widgets."""
