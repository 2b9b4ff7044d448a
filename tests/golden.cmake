# Golden-output regression test (tests/golden/README.md): the jobs of tests/golden/jobs.py at 1 and 2 ranks, every
# output compared with the reference written by the code before the restructuring (tests/golden/ref/npN/), and a
# self-test of the comparison on synthetic files.
set(GOLDEN ${CMAKE_CURRENT_SOURCE_DIR}/golden)
string(REPLACE ";" " " GOLDEN_MPIEXEC "${CURIO_MPIEXEC}")
foreach(np 1 2)
  add_test(NAME golden_np${np}
           COMMAND ${CURIO_PYTHON} ${GOLDEN}/run_golden.py --curio $<TARGET_FILE:curio_exe> --np ${np} --out ${CMAKE_CURRENT_BINARY_DIR}/runs/golden_np${np}
                   --mpiexec "${GOLDEN_MPIEXEC}")
  set_tests_properties(golden_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "golden;integration")
endforeach()
add_test(NAME golden_compare_selftest COMMAND ${CURIO_PYTHON} ${GOLDEN}/test_compare.py)
set_tests_properties(golden_compare_selftest PROPERTIES LABELS "golden;integration")
