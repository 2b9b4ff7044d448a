# Tests of the checkpoint module (CurioCheckpoint, signals) and of the self-requeueing SGDF job script
add_executable(t009_checkpoint unit/t009_checkpoint.c)
target_link_libraries(t009_checkpoint PRIVATE curio_test_harness)
foreach(np 1 2 4)
  add_test(NAME t009_checkpoint_np${np} COMMAND ${CURIO_MPIEXEC} -n ${np} $<TARGET_FILE:t009_checkpoint>)
  set_tests_properties(t009_checkpoint_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS unit)
endforeach()
