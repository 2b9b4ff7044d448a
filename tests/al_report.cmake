# Post-processing of active-learning studies (postprocess/al_report.py) and the data sets in inputs/al.
# Included from tests/CMakeLists.txt; uses CURIO_PYTHON, INTEG and RUNS from there.

# al_report.py on a fake study whose curves and timings come from closed-form parameters: AULC, paired differences,
# labels to target, confidence intervals and costs against values computed in the test; PNGs written.
add_test(NAME al_report COMMAND ${CURIO_PYTHON} ${INTEG}/test_al_report.py
         ${PROJECT_SOURCE_DIR}/postprocess/al_report.py ${RUNS}/al_report)
set_tests_properties(al_report PROPERTIES LABELS integration TIMEOUT 300)

# inputs/al/*.h5: layout, split, standardization and metadata; the data sets that scikit-learn ships are rebuilt
# with scripts/make-al-inputs.py and must be byte-identical to the committed files.
add_test(NAME al_inputs COMMAND ${CURIO_PYTHON} ${INTEG}/test_al_inputs.py ${PROJECT_SOURCE_DIR} ${RUNS}/al_inputs)
set_tests_properties(al_inputs PROPERTIES LABELS integration TIMEOUT 300)

# scripts/study.sh and jobscripts/curio-study.sbatch (4 array tasks, srun replaced by a pass-through) with a stand-in
# for the study mode (integration/fake_curio_study.py): the options passed, the logistic part, every run exactly once
# over the parts, the report written.
add_test(NAME al_study_scripts COMMAND ${CURIO_PYTHON} ${INTEG}/test_study_scripts.py ${PROJECT_SOURCE_DIR}
         ${RUNS}/al_study_scripts)
set_tests_properties(al_study_scripts PROPERTIES ENVIRONMENT "${CURIO_TEST_ENV}" LABELS integration TIMEOUT 300
                     PROCESSORS 2)
