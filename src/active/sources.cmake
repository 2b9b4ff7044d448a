set(CURIO_ACTIVE_SOURCES src/active/active.c src/active/interface.c src/active/pool.c src/active/strategies.c src/active/study.c)
