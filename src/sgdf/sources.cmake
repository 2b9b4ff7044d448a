set(CURIO_SGDF_SOURCES src/sgdf/sgdf.c src/sgdf/step.c)
