/* Internal declarations of the fit driver (CurioProblem: options, orchestration, output of -curio_mode fit). */
#pragma once

#include "../analysis/analysisimpl.h"
#include <curioproblem.h>
