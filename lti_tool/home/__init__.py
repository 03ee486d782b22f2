"""Where a launch lands: the designer's or the learner's home page."""
