"""The TensorFlow engine: descent loops, schedules, loss expressions; never imports Textual."""
