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

# Verified checkpoints (tests/integration/test_checkpoint_verify.py): a byte flipped in a checkpoint's raw data is
# refused naming the dataset and -curio_restart auto falls back to the previous checkpoint, bitwise equal to an
# uninterrupted run; out-of-range fields of SGDF checkpoints and active-learning restart files are refused on every
# rank; a restart removes its own stale temporaries and nothing else; what ties a checkpoint to its run (Adam's
# parameters, the data's content, not the output) and local SGDF's averaging clock across a restart. At 1 and 2 ranks.
foreach(np 1 2)
  add_test(NAME checkpoint_verify_np${np}
           COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_checkpoint_verify.py $<TARGET_FILE:curio_exe> --np ${np}
                   --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(checkpoint_verify_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "integration;checkpoint")
endforeach()

# Crash consistency (tests/integration/test_crash.py): a fit run removes its output's temporaries that killed runs
# left, not one whose writer is alive (it holds the lock); 20 trials that SIGKILL one or all ranks at random moments during
# SGDF checkpointing and active-learning rounds, restart, and finish bitwise equal to an uninterrupted run with no
# unreadable newest file and no temporary left; plus a corrupted newest checkpoint that the restart skips. About a
# minute at 2 ranks; `test_crash.py build/curio --trials 100` is the longer run.
add_test(NAME crash_np2 COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_crash.py $<TARGET_FILE:curio_exe> --np 2 --trials 20
                                --mpiexec "${CURIO_MPIEXEC_STR}")
set_tests_properties(crash_np2 PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS 2 TIMEOUT 900 LABELS "integration;checkpoint")
