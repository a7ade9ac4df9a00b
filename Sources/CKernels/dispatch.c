// The one place that chooses the kernels: from cpuid at first use, never from build flags.

#include "internal.h"


/// Per thread, so that a test comparing two paths changes only what its own thread
/// computes (a product captures its thread's kernels for the pool's workers), never
/// what tests running beside it compute.
static _Thread_local int forcePortable = 0, forceWithoutVNNI = 0;

static const ck_kernels *detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni"))
        return &ck_avx512_kernels;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return &ck_avx2_kernels;
#endif
    return &ck_portable_kernels;
}

const ck_kernels *ck_active(void) {
    static const ck_kernels *chosen;  // racing first calls store the same pointer
    if (forcePortable) return &ck_portable_kernels;
    if (!chosen) chosen = detect();
#if defined(__x86_64__)
    if (chosen == &ck_avx512_kernels && forceWithoutVNNI)
        return &ck_avx2_kernels;
#endif
    return chosen;
}

const char *ck_instruction_set(void) { return ck_active()->name; }

int ck_integer_prompt_products(void) { return ck_active()->gemm_tile != NULL; }

static int exchange(int *flag, int enabled) {
    int previous = *flag;
    *flag = enabled ? 1 : 0;
    return previous;
}

int ck_force_portable(int enabled) { return exchange(&forcePortable, enabled); }

int ck_force_without_vnni(int enabled) { return exchange(&forceWithoutVNNI, enabled); }
