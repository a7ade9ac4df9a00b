// CRC-32C (Castagnoli), as TensorFlow's checkpoints record it for every tensor: the
// SSE4.2 crc32 instruction when the CPU has it (tens of GB/s, so checking a 6 GB
// checkpoint costs a fraction of reading it), else a byte-at-a-time table.
#include "CKernels.h"
#include <string.h>

static uint32_t table[256];

static void make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t crc = i;
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
        table[i] = crc;
    }
}

static uint32_t crc32c_portable(uint32_t crc, const uint8_t *p, size_t size) {
    if (table[1] == 0) make_table();
    for (size_t i = 0; i < size; i++) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t size) {
    uint64_t c = crc;
    while (size >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        size -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (size-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

uint32_t ck_crc32c(const void *data, size_t size) {
    const uint8_t *p = (const uint8_t *)data;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) return ~crc32c_sse42(~0u, p, size);
#endif
    return ~crc32c_portable(~0u, p, size);
}

uint32_t ck_crc32c_portable(const void *data, size_t size) {
    return ~crc32c_portable(~0u, (const uint8_t *)data, size);
}
