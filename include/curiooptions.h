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
  CURIO_MODE_BIT_USERS  = 16,
  CURIO_MODE_BIT_ALL    = 31
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

/** @brief The table of every curio option and its length. Not collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsGetTable(const CurioOptionInfo **table, PetscInt *n);
/** @brief The row of an option ("-curio_s"), or NULL if it is not a curio option. Not collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsFind(const char name[], const CurioOptionInfo **info);
/** @brief The modes of a CurioModeBit mask as text ("fit, sgdf", "every mode"). Not collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsModeName(unsigned modes, char buf[], size_t len);

/* Typed readers for use inside PetscOptionsBegin()/PetscOptionsEnd(): on input the default, on output the value; set
   (may be NULL) says whether the option was given. A malformed, missing or out-of-range value is one collective error
   on the block's communicator that names the option, what it expects and what it got. */
/** @brief A boolean: true/false, yes/no, on/off, 1/0, or the bare name for true. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsBool(PetscOptionItems *PetscOptionsObject, const char name[], PetscBool *value, PetscBool *set);
/** @brief An integer within the table's bounds. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsInt(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt *value, PetscBool *set);
/** @brief A finite, normal real number within the table's bounds. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsReal(PetscOptionItems *PetscOptionsObject, const char name[], PetscReal *value, PetscBool *set);
/** @brief A string of fewer than len characters; a value is required. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsString(PetscOptionItems *PetscOptionsObject, const char name[], char value[], size_t len, PetscBool *set);
/** @brief One of n names (case-insensitive); value is its index. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsEList(PetscOptionItems *PetscOptionsObject, const char name[], const char *const list[], PetscInt n,
                                              PetscInt *value, PetscBool *set);
/** @brief One of the names of a PETSc-style enum list ({"a", "b", "TypeName", "PREFIX_", NULL}). Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsEnum(PetscOptionItems *PetscOptionsObject, const char name[], const char *const list[], PetscEnum *value,
                                             PetscBool *set);
/** @brief A string whose possible values -help shows as given (known at run time: a registry's names). Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsStringValues(PetscOptionItems *PetscOptionsObject, const char name[], const char values[], char value[],
                                                     size_t len, PetscBool *set);
/** @brief Exactly the table's number of comma-separated integers. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsIntArray(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt value[], PetscBool *set);
PETSC_EXTERN PetscErrorCode CurioOptionsIntList(PetscOptionItems *PetscOptionsObject, const char name[], PetscInt value[], PetscInt *n,
                                                PetscBool *set);
/** @brief Exactly the table's number of comma-separated reals. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsRealArray(PetscOptionItems *PetscOptionsObject, const char name[], PetscReal value[], PetscBool *set);
/** @brief A comma-separated list: n is the capacity on input, the count on output (0 if not given); free the strings. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsStringArray(PetscOptionItems *PetscOptionsObject, const char name[], char *value[], PetscInt *n,
                                                    PetscBool *set);

/** @brief The options that every mode which reads data, fits a model and writes a file shares (one reader for all). */
typedef struct {
  char      input[PETSC_MAX_PATH_LEN];  /**< -curio_input ("" when not given) */
  char      output[PETSC_MAX_PATH_LEN]; /**< -curio_output (set the mode's default before reading) */
  PetscReal s;                          /**< -curio_s (meaningful when s_set) */
  PetscBool input_set, s_set;           /**< whether -curio_input and -curio_s were given */
  PetscBool monitor;                    /**< -curio_monitor */
} CurioCommonOptions;
/** @brief Reads -curio_input, -curio_output, -curio_s and -curio_monitor inside a mode's options block. Collective. */
PETSC_EXTERN PetscErrorCode CurioCommonOptionsRead(PetscOptionItems *PetscOptionsObject, CurioCommonOptions *common);

/** @brief Refuses a -curio_* option that is not in the table (naming the closest one) and warns about another mode's. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsCheckUnknown(MPI_Comm comm, unsigned mode, const char modename[]);
PETSC_EXTERN PetscBool      CurioOptionsIsPETSc(const char name[]);
/** @brief The option of the table closest to name if plausibly the one meant, else NULL. Not collective. */
PETSC_EXTERN const char *CurioOptionsClosest(const char name[]);
/** @brief If the option was given, one warning that this run does not use it, and why. Collective. */
PETSC_EXTERN PetscErrorCode CurioOptionsWarnUnused(MPI_Comm comm, const char name[], const char why[]);
/** @brief Prints curio's version, then PETSc's, HDF5's and MPI's, from rank 0. Collective. */
PETSC_EXTERN PetscErrorCode CurioVersionView(MPI_Comm comm);
