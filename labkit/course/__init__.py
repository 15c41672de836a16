"""The course: exercises and their checks (one topic module per lesson), widgets, grading and student copies."""
