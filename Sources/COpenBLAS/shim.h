#ifndef DUNGEON_COPENBLAS_SHIM_H
#define DUNGEON_COPENBLAS_SHIM_H

// Debian ships OpenBLAS's CBLAS header as <cblas.h> (libopenblas-dev); its
// pkg-config file adds the include folder that holds it.
#include <cblas.h>

#endif
