/**
  @file curiooptions.h
  @brief CurioOptions: the one table of curio's options (name, type, modes, default, help, bounds) and the typed
  readers that every options block uses, so that each option has one definition, `-help` shows its true default,
  and a malformed value is one error line that names the option and what it expects.
*/
#pragma once

#include "curiosys.h"

/** @brief The modes of `-curio_mode`, as bits: the modes that read an option. */
typedef enum {
  CURIO_MODE_BIT_FIT    = 1,
  CURIO_MODE_BIT_SGDF   = 2,
  CURIO_MODE_BIT_ACTIVE = 4,
  CURIO_MODE_BIT_STUDY  = 8,
  CURIO_MODE_BIT_ALL    = 15
} CurioModeBit;

/** @brief What a value must look like. */
typedef enum {
  CURIO_OPTION_BOOL,
  CURIO_OPTION_INT,
  CURIO_OPTION_REAL,
  CURIO_OPTION_STRING,
  CURIO_OPTION_ENUM,
  CURIO_OPTION_INT_ARRAY,
  CURIO_OPTION_REAL_ARRAY,
  CURIO_OPTION_STRING_ARRAY
} CurioOptionType;

/** @brief Bounds of a real option: the interval [lo, hi] with either end open; values are always finite and not subnormal. */
typedef enum { CURIO_BOUND_CLOSED = 0, CURIO_BOUND_LO_OPEN = 1, CURIO_BOUND_HI_OPEN = 2 } CurioBound;

/** @brief One row of the option table. */
typedef struct {
  const char     *name; /**< with the dash: "-curio_s" */
  CurioOptionType type;
  unsigned        modes;  /**< CurioModeBit of the modes that use it */
  const char     *deflt;  /**< the default as `-help` shows it ("LOOCV optimum", "required") */
  const char     *help;   /**< one line for `-help` */
  PetscReal       lo, hi; /**< bounds of INT and REAL values; array length in lo for arrays */
  int             bound;  /**< CurioBound of REAL values */
} CurioOptionInfo;

PETSC_EXTERN PetscErrorCode CurioOptionsGetTable(const CurioOptionInfo **, PetscInt *);
PETSC_EXTERN PetscErrorCode CurioOptionsFind(const char[], const CurioOptionInfo **);
PETSC_EXTERN PetscErrorCode CurioOptionsModeName(unsigned, char[], size_t);

PETSC_EXTERN PetscErrorCode CurioOptionsBool(PetscOptionItems *, const char[], PetscBool *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsInt(PetscOptionItems *, const char[], PetscInt *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsReal(PetscOptionItems *, const char[], PetscReal *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsString(PetscOptionItems *, const char[], char[], size_t, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsEList(PetscOptionItems *, const char[], const char *const[], PetscInt, PetscInt *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsEnum(PetscOptionItems *, const char[], const char *const[], PetscEnum *, PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsIntArray(PetscOptionItems *, const char[], PetscInt[], PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsRealArray(PetscOptionItems *, const char[], PetscReal[], PetscBool *);
PETSC_EXTERN PetscErrorCode CurioOptionsStringArray(PetscOptionItems *, const char[], char *[], PetscInt *, PetscBool *);

PETSC_EXTERN PetscErrorCode CurioOptionsCheckUnknown(MPI_Comm, unsigned, const char[]);
PETSC_EXTERN PetscErrorCode CurioVersionView(MPI_Comm);
