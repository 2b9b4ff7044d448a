# Tests of -curio_mode active and study (issue: active-learning loop)
