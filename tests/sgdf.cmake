# Tests of -curio_mode sgdf (issue: distributed SGDF)
