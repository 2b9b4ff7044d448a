/* Internal declarations of the analysis layer: scores and their registry, selection, influence, LOOCV and CV. */
#pragma once

#include "../solver/solverimpl.h"
#include <curioanalysis.h>
