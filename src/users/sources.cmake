set(CURIO_USERS_SOURCES src/users/users.c src/users/kernels.c src/users/hierarchy.c)
