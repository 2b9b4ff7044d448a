/* CurioSGDF: placeholder until the SGDF driver lands. */
#include "../curioimpl.h"

PetscErrorCode CurioSGDFMain(MPI_Comm comm)
{
  PetscFunctionBegin;
  SETERRQ(comm, PETSC_ERR_SUP, "-curio_mode sgdf is not built yet");
}
