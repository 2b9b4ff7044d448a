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
#   bad      missing /candidates/y, budget < seed set, unknown strategy, ... : clear collective errors
string(REPLACE ";" " " CURIO_MPIEXEC_STR "${CURIO_MPIEXEC}")
set(ACTIVE_TEST ${CMAKE_CURRENT_SOURCE_DIR}/active/test_active.py)
set(ACTIVE_RUNS ${CMAKE_CURRENT_BINARY_DIR}/runs/active)
function(curio_active_case case np)
  add_test(NAME active_${case}_np${np}
           COMMAND ${CURIO_PYTHON} ${ACTIVE_TEST} ${case} $<TARGET_FILE:curio_exe> ${ACTIVE_RUNS}/${case}_np${np} --np ${np} --mpiexec "${CURIO_MPIEXEC_STR}")
  set_tests_properties(active_${case}_np${np} PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" PROCESSORS ${np} TIMEOUT 300 LABELS "integration;active")
endfunction()
foreach(case oracle restart harness boundary numpy protocol bad)
  foreach(np 1 2)
    curio_active_case(${case} ${np})
  endforeach()
endforeach()
curio_active_case(ranks 2) # runs 1 and 2 ranks itself
curio_active_case(study 2) # 2 ranks split into 2 sub-communicators
