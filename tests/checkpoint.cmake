# Tests of the checkpoint module (CurioCheckpoint, signals) and of the self-requeueing SGDF job script
add_executable(t009_checkpoint unit/t009_checkpoint.c)
target_link_libraries(t009_checkpoint PRIVATE curio_test_harness)
foreach(np 1 2 4)
  add_test(NAME t009_checkpoint_np${np} COMMAND ${CURIO_MPIEXEC} -n ${np} $<TARGET_FILE:t009_checkpoint>)
  set_tests_properties(t009_checkpoint_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS unit)
endforeach()

# The self-requeueing SGDF job script under a real one-node Slurm (tests/slurm/local-slurm.sh) with the real
# curio: a job warned of its time limit checkpoints, requeues itself, resumes from the checkpoint and ends with the
# uninterrupted run's result, bit for bit. Skipped (77) without Slurm.
add_test(NAME sgdf_requeue COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/slurm/test_sgdf_requeue.sh $<TARGET_FILE:curio_exe>)
set_tests_properties(sgdf_requeue PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" SKIP_RETURN_CODE 77 RUN_SERIAL TRUE TIMEOUT 1800 LABELS slurm)
