"""The model: what the screen shows, as plain data (parameters, presets, chart views, pins,
sessions, the parameter table). Imports neither Textual nor TensorFlow, so the command line and
session validation can use it without loading the UI."""
