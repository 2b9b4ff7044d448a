# Tests of -curio_mode users (several users, parameter inheritance): tests/users/test_users.py CASE, each against an
# independent reference (inputs written by scripts/curio-users-synth.py).
#   numpy  both levels, scores, top-k, per-user best candidate and the LOOCV curve re-implemented in numpy (1e-9)
#   fd     eq. 98 against central differences of the two-level refit at s (1 +- 1e-4), three losses, shared and own s0
#   ranks  1, 2, 4 ranks and other user layouts (equal counts, given cuts, empty ranks) agree to 1e-12
#   bad    bad inputs: one `curio: error:` line, no output, non-zero exit on every rank; the converter's user column
#   real   the lme4 data sets of inputs/users against the numpy reference
#   edges  the numerical edges against mpmath: LOOCV where h_i -> 1 and columns in units 1e12 apart, the tangent estimate
#   hierarchy  the regularizer hierarchy: joint optimum vs dense Newton, tangent vs the dense solve and central FD, 1/2/4 ranks
set(USERS_TEST ${CMAKE_CURRENT_SOURCE_DIR}/users/test_users.py)
set(USERS_RUNS ${CMAKE_CURRENT_BINARY_DIR}/runs/users)
function(curio_users_case case np)
  add_test(NAME users_${case}_np${np}
           COMMAND ${CURIO_PYTHON} ${USERS_TEST} ${case} $<TARGET_FILE:curio_exe> ${USERS_RUNS}/${case}_np${np} --np ${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(users_${case}_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "integration;users")
endfunction()
curio_users_case(numpy 1)
curio_users_case(numpy 2)
curio_users_case(fd 2)
curio_users_case(ranks 4) # runs 1, 2 and 4 ranks itself
curio_users_case(bad 2)   # runs 1 and 2 ranks itself
curio_users_case(real 2)
curio_users_case(edges 1)
curio_users_case(edges 2)
curio_users_case(hierarchy 2) # runs 1, 2 and 4 ranks itself
# the study script end to end on 2 seeds of the synthetic set (its numbers are in docs/users_study.md)
add_test(NAME users_study_script COMMAND ${CURIO_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/users-study.py --curio $<TARGET_FILE:curio_exe> --seeds 2
                                         --datasets synthetic --jobs 1 --out ${USERS_RUNS}/study)
set_tests_properties(users_study_script PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" TIMEOUT 600 LABELS "integration;users")
