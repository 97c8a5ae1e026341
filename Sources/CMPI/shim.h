// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, ...) are macros over global
// symbols, which Swift cannot import; these wrappers return them as values.
#ifndef ARBOR_CMPI_SHIM_H
#define ARBOR_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm arbor_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype arbor_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype arbor_mpi_int64(void) { return MPI_INT64_T; }
static inline int arbor_mpi_thread_serialized(void) { return MPI_THREAD_SERIALIZED; }
static inline int arbor_mpi_success(void) { return MPI_SUCCESS; }

#endif
