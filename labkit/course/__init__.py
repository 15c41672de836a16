"""The course: the lessons map, exercises and checks (a topic module per lesson), widgets, grading, student copies."""
