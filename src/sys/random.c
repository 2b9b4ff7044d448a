/* Counter-based random numbers: a value depends only on (seed, stream, index), never on how rows are split. */
#include "sysimpl.h"

/* splitmix64 finalizer: a bijective mix of 64 bits with full avalanche */
static inline uint64_t Mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

PetscReal CurioRandomUniform(PetscInt64 seed, PetscInt64 stream, PetscInt64 index)
{
  uint64_t z = Mix64((uint64_t) seed * 0x9e3779b97f4a7c15ULL + Mix64((uint64_t) stream + 0x632be59bd9b4e019ULL) + (uint64_t) index);
  /* 53 random bits, shifted to the open interval (0,1) */
  return ((PetscReal) (z >> 11) + 0.5) / 9007199254740992.0;
}

PetscReal CurioRandomNormal(PetscInt64 seed, PetscInt64 stream, PetscInt64 index)
{
  PetscReal u1 = CurioRandomUniform(seed, 2 * stream, index), u2 = CurioRandomUniform(seed, 2 * stream + 1, index);
  return PetscSqrtReal(-2.0 * PetscLogReal(u1)) * PetscCosReal(2.0 * PETSC_PI * u2);
}
