# Tests of -curio_mode sgdf (issue: distributed SGDF), each against an independent numpy reference
# (tests/integration/test_sgdf.py; the references in tests/integration/sgdf_ref.py)
set(SGDF_TEST ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sgdf.py)
foreach(case replay tangent lissa pool diverge online_s)
  foreach(np 1 2 4)
    add_test(NAME sgdf_${case}_np${np} COMMAND ${CURIO_PYTHON} ${SGDF_TEST} ${case} $<TARGET_FILE:curio_exe> --np ${np})
    set_tests_properties(sgdf_${case}_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;sgdf")
  endforeach()
endforeach()
# rank-count agreement: runs 1, 2 and 4 ranks itself and compares them
add_test(NAME sgdf_ranks COMMAND ${CURIO_PYTHON} ${SGDF_TEST} ranks $<TARGET_FILE:curio_exe>)
set_tests_properties(sgdf_ranks PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS 4 TIMEOUT 300 LABELS "integration;sgdf")
add_test(NAME sgdf_badopts COMMAND ${CURIO_PYTHON} ${SGDF_TEST} badopts $<TARGET_FILE:curio_exe> --np 2)
set_tests_properties(sgdf_badopts PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS 2 TIMEOUT 300 LABELS "integration;sgdf")
# checkpoint and restart (bitwise), refusal, SIGUSR1/SIGTERM
foreach(np 1 2 4)
  add_test(NAME sgdf_restart_np${np} COMMAND ${CURIO_PYTHON} ${SGDF_TEST} restart $<TARGET_FILE:curio_exe> --np ${np})
  set_tests_properties(sgdf_restart_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;sgdf")
endforeach()
