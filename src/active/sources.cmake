set(CURIO_ACTIVE_SOURCES src/active/active.c)
