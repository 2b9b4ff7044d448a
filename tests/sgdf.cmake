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
# local SGDF (-curio_sgdf_local_steps): H = 1 is the bulk-synchronous algorithm; tangent = finite difference of the
# averaged iterates; convergence to the exact optimum and tangent; bitwise restart between averagings; holdout loss,
# early stopping, progress lines and the clock across restarts (observe); the hybrid layout; the averaging overlapped
# with the next steps against a numpy replay (overlap)
set(SGDF_LOCAL_TEST ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sgdf_local.py)
foreach(case k1 fd converge restart observe hybrid overlap)
  if(case STREQUAL "k1" OR case STREQUAL "observe")
    set(nps 1 2 4)
  else()
    set(nps 2 4)
  endif()
  foreach(np ${nps})
    add_test(NAME sgdf_local_${case}_np${np} COMMAND ${CURIO_PYTHON} ${SGDF_LOCAL_TEST} ${case} $<TARGET_FILE:curio_exe> --np ${np})
    set_tests_properties(sgdf_local_${case}_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;sgdf")
  endforeach()
endforeach()
# The public API (include/curiosgdf.h): tests/unit/t010_sgdf_api.c drives CurioSGDF with the options of a
# `curio -curio_mode sgdf` run and checks its theta, theta_dot, s and history against that run's output bit for bit,
# and its own output against the mode's (tests/integration/test_sgdf_api.py)
add_executable(t010_sgdf_api unit/t010_sgdf_api.c)
target_link_libraries(t010_sgdf_api PRIVATE curio_test_harness)
foreach(np 1 2)
  add_test(NAME sgdf_api_np${np}
           COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sgdf_api.py $<TARGET_FILE:curio_exe> $<TARGET_FILE:t010_sgdf_api>
                   --np ${np} --dir ${RUNS}/sgdf_api_np${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(sgdf_api_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;sgdf")
endforeach()
