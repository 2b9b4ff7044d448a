/* CurioActive: placeholder until the active-learning loop lands. */
#include "../curioimpl.h"

PetscErrorCode CurioActiveMain(MPI_Comm comm)
{
  PetscFunctionBegin;
  SETERRQ(comm, PETSC_ERR_SUP, "-curio_mode active is not built yet");
}

PetscErrorCode CurioStudyMain(MPI_Comm comm)
{
  PetscFunctionBegin;
  SETERRQ(comm, PETSC_ERR_SUP, "-curio_mode study is not built yet");
}
