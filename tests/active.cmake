# Tests of -curio_mode active and study (issue: active-learning loop), each against an independent reference:
# tests/active/test_active.py CASE (small synthetic inputs written by tests/active/active_make_input.py).
#   oracle   the oracle is read only at selected points (NaN at every other pool label: identical outputs)
#   ranks    1 vs 2 ranks: same selections, same learning curve to 1e-10 (random, sld, gsx, sld_batch, ssi, oracle_greedy, emcm, igs,
#            leverage, maxdet, random split, logistic)
#   restart  -curio_al_stop_after 3 then -curio_restart: bitwise the uninterrupted run; mismatching restarts refused
#   harness  oracle_greedy (greedy on the true test error) beats random on the area under the learning curve by > 3 s.e. of
#            the paired difference over 8 seeds
#   boundary /rounds/s_at_boundary against the rows whose s is an end of the LOOCV grid; no warning in the loop, the fit mode warns
#   numpy    every strategy's loop (squared and logistic loss, fixed s) reimplemented in numpy: selections, test errors, scores (emcm, igs,
#            leverage, maxdet, 1e-10)
#            (oracle_greedy: brute-force refits for squared loss, explicit Newton steps for logistic)
#   study    2 ranks, 2 sub-communicators: one file per run, skip on rerun, continue, part/parts
#   protocol the run file records seed-set size, stratification, split seed, s policy; random split and s floor as defined (numpy);
#            a study stops on a run file with other settings, -curio_study_overwrite reruns it
#   sparse   CSR groups (all, or the pool only) and LIBSVM files (-curio_candidates, -curio_test, -curio_input): the dense input's loop,
#            bitwise, for sld, gsx, igs, maxdet (random split), random, weights, logistic emcm; a NaN LIBSVM label refused with its line; misuse refused
#   bad      missing /candidates/y, budget < seed set, unknown strategy, ... : clear collective errors
string(REPLACE ";" " " CURIO_MPIEXEC_STR "${CURIO_MPIEXEC}")
set(ACTIVE_TEST ${CMAKE_CURRENT_SOURCE_DIR}/active/test_active.py)
set(ACTIVE_RUNS ${CMAKE_CURRENT_BINARY_DIR}/runs/active)
function(curio_active_case case np)
  add_test(NAME active_${case}_np${np}
           COMMAND ${CURIO_PYTHON} ${ACTIVE_TEST} ${case} $<TARGET_FILE:curio_exe> ${ACTIVE_RUNS}/${case}_np${np} --np ${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(active_${case}_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;active")
endfunction()
foreach(case oracle restart harness boundary numpy protocol sparse bad)
  foreach(np 1 2)
    curio_active_case(${case} ${np})
  endforeach()
endforeach()
curio_active_case(ranks 2) # runs 1 and 2 ranks itself
curio_active_case(study 2) # 2 ranks split into 2 sub-communicators

# The public object API (include/curioactive.h; tests/unit/t010_active.c): a CurioActive given its input, output and
# strategy through the setters and the rest through the same options reproduces `curio -curio_mode active` on the same
# input (labeled set exactly, learning curve and last theta bitwise), also run a few rounds at a time; calls out of
# order are refused. The mode's run is the fixture.
add_executable(t010_active unit/t010_active.c)
target_link_libraries(t010_active PRIVATE curio_test_harness)
set(T010_OPTIONS -curio_al_budget 20 -curio_al_batch 3 -curio_al_seed_size 8 -curio_loocv_ns 11)
string(REPLACE ";" " " T010_OPTIONS_STR "${T010_OPTIONS}")
foreach(np 1 2)
  set(dir ${ACTIVE_RUNS}/api_np${np})
  add_test(NAME active_api_mode_np${np}
           COMMAND sh -c "mkdir -p ${dir} && ${CURIO_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/active/active_make_input.py ${dir}/pool.h5 --m 60 --ntest 40 \
&& ${CURIO_MPIEXEC_STR} -n ${np} $<TARGET_FILE:curio_exe> -curio_mode active -curio_input ${dir}/pool.h5 -curio_output ${dir}/mode.h5 \
-curio_al_strategy sld_batch ${T010_OPTIONS_STR}")
  set_tests_properties(active_api_mode_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;active"
                                                          FIXTURES_SETUP active_api_np${np})
  add_test(NAME t010_active_np${np} COMMAND ${CURIO_MPIEXEC} -n ${np} $<TARGET_FILE:t010_active> -t010_input ${dir}/pool.h5 -t010_reference
                                            ${dir}/mode.h5 -t010_dir ${dir} ${T010_OPTIONS})
  set_tests_properties(t010_active_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "unit;active"
                                                      FIXTURES_REQUIRED active_api_np${np})
endforeach()
