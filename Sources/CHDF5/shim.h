// CHDF5: the HDF5 C library (Debian libhdf5-dev, serial flavour, found through pkg-config
// `hdf5-serial`). Swift cannot import HDF5's macro "constants" (`H5T_NATIVE_FLOAT` expands to a
// call plus a global read, `H5P_DEFAULT` imports as Int32 where hid_t is Int64), so each one used
// gets a static inline getter here. No logic lives in C.
#ifndef MEMKD_CHDF5_SHIM_H
#define MEMKD_CHDF5_SHIM_H
#include <hdf5.h>

static inline hid_t chdf5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_s_all(void) { return H5S_ALL; }
static inline hid_t chdf5_e_default(void) { return H5E_DEFAULT; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline size_t chdf5_variable(void) { return H5T_VARIABLE; }
static inline hid_t chdf5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t chdf5_p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t chdf5_p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t chdf5_p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t chdf5_p_file_create(void) { return H5P_FILE_CREATE; }
static inline unsigned chdf5_version_major(void) { return H5_VERS_MAJOR; }
static inline unsigned chdf5_version_minor(void) { return H5_VERS_MINOR; }
static inline unsigned chdf5_version_release(void) { return H5_VERS_RELEASE; }

// Standard (on-disk) types: little-endian is what MemKD writes; the big-endian twins let a reader
// recognise every IEEE / two's-complement layout it can convert.
static inline hid_t chdf5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t chdf5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t chdf5_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t chdf5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t chdf5_ieee_f32be(void) { return H5T_IEEE_F32BE; }
static inline hid_t chdf5_ieee_f64be(void) { return H5T_IEEE_F64BE; }
static inline hid_t chdf5_std_i32be(void) { return H5T_STD_I32BE; }
static inline hid_t chdf5_std_i64be(void) { return H5T_STD_I64BE; }

#endif
