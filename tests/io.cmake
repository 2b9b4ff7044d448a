# Tests of the io layer (src/io): a write that fails (read-only directory as the user 'nobody', or a full file system,
# a small tmpfs, that makes the atomic write fail midway) leaves an existing output and existing checkpoints byte-identical and no
# temporary file, with every rank exiting non-zero and one message, in the fit, sgdf (checkpoint) and active modes;
# -curio_output naming the input (symbolic link, hard link, another spelling) is refused; names of 254 and 255
# characters work. Runs at 1 and 2 ranks.
foreach(np 1 2)
  add_test(NAME io_np${np} COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_io.py $<TARGET_FILE:curio_exe> --np ${np}
                                   --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(io_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 SKIP_RETURN_CODE 77 LABELS "integration;io")
endforeach()

# Sizes beyond 32 bits (tests/integration/test_sizes.py, with unallocated chunked HDF5 datasets so the files stay
# small) and overflow / degenerate problems (tests/integration/test_degenerate.py): each refused with one error line on
# every rank, no traceback, no output. At 1, 2 and 4 ranks.
foreach(np 1 2 4)
  add_test(NAME sizes_np${np} COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_sizes.py $<TARGET_FILE:curio_exe> --np ${np}
                                      --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(sizes_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "integration;io")
  add_test(NAME degenerate_np${np} COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_degenerate.py $<TARGET_FILE:curio_exe>
                                           --np ${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(degenerate_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "integration;io")
endforeach()

# Dense feature rows read straight into the design matrices and written back with -curio_output_data
# (tests/integration/test_inputs_copy.py): the output's /train/X, /candidates/X, /test/X equal the input bit for bit,
# their checksums equal one recomputed in numpy, theta equals a numpy ridge solve, a NaN in the last set read is one
# error line. At 1, 2 and 4 ranks.
foreach(np 1 2 4)
  add_test(NAME inputs_copy_np${np} COMMAND ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_inputs_copy.py $<TARGET_FILE:curio_exe>
                                            --np ${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(inputs_copy_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 600 LABELS "integration;io")
endforeach()

# The fuzz driver of the LIBSVM and CSR readers (tests/fuzz/fuzz_readers.c, corpus tests/fuzz/corpus): mutated inputs
# for a bounded time; a reader may refuse them but must not crash, hang, disagree between ranks or accept rows that
# break the CSR invariants. 20 s at 1 and 2 ranks here; scripts/sanitize.sh runs it under ASan+UBSan.
add_executable(fuzz_readers fuzz/fuzz_readers.c)
target_link_libraries(fuzz_readers PRIVATE curio curio_hdf5 m)
foreach(np 1 2)
  add_test(NAME fuzz_readers_np${np} COMMAND ${CURIO_MPIEXEC} -n ${np} $<TARGET_FILE:fuzz_readers> ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus 20 ${np})
  set_tests_properties(fuzz_readers_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "unit;io")
endforeach()
