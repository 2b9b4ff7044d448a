/* CurioCheckpoint: placeholder until the checkpoint module lands. */
#include "../curioimpl.h"

PetscErrorCode CurioCheckpointWriterCreate(MPI_Comm, const char prefix[], PetscInt keep, CurioCheckpoint *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointWriterCreate: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointBeginWrite(CurioCheckpoint, const char kind[], const char signature[], PetscInt64 step)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointBeginWrite: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointEndWrite(CurioCheckpoint, char path[], size_t)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointEndWrite: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointFindLatest(MPI_Comm, const char prefix[], char path[], size_t, PetscBool *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointFindLatest: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointOpenRead(MPI_Comm, const char path[], const char kind[], const char signature[], CurioCheckpoint *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointOpenRead: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointGetStep(CurioCheckpoint, PetscInt64 *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointGetStep: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointDestroy(CurioCheckpoint *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointDestroy: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointVec(CurioCheckpoint, const char name[], Vec)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointVec: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointRealArray(CurioCheckpoint, const char name[], PetscInt n, PetscReal[])
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointRealArray: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointIntArray(CurioCheckpoint, const char name[], PetscInt n, PetscInt64[])
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointIntArray: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointArrayLength(CurioCheckpoint, const char name[], PetscInt *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointArrayLength: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointReal(CurioCheckpoint, const char name[], PetscReal *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointReal: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointInt(CurioCheckpoint, const char name[], PetscInt64 *)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointInt: checkpoints are not built yet");
}

PetscErrorCode CurioCheckpointString(CurioCheckpoint, const char name[], char value[], size_t)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioCheckpointString: checkpoints are not built yet");
}

PetscErrorCode CurioSignalInstall(void)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioSignalInstall: checkpoints are not built yet");
}

PetscErrorCode CurioSignalCaught(MPI_Comm, PetscBool *usr1, PetscBool *term)
{
  PetscFunctionBegin;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_SUP, "CurioSignalCaught: checkpoints are not built yet");
}
