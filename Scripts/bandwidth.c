// Memory read bandwidth with every core: the ceiling for generating tokens, which streams
// every weight once per token. Reads a 1 GiB buffer (far larger than any cache) with one
// thread per core, summing so the reads cannot be skipped; prints GB/s, best of 5.
// Built and run by Scripts/bench_peers.py: cc -O3 -march=native -fopenmp bandwidth.c
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
    size_t count = (size_t)1 << 27;  // 1 GiB of 8-byte words
    uint64_t *data = malloc(count * sizeof *data);
    for (size_t i = 0; i < count; i++) data[i] = i;
    double best = 0;
    uint64_t total = 0;
    for (int run = 0; run < 5; run++) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        uint64_t sum = 0;
        // Four independent sums per thread, so the loop is bound by loads, not by an add chain.
#pragma omp parallel for reduction(+ : sum) schedule(static)
        for (size_t i = 0; i < count; i += 4) sum += (data[i] ^ data[i + 1]) + (data[i + 2] ^ data[i + 3]);
        clock_gettime(CLOCK_MONOTONIC, &end);
        total += sum;
        double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9;
        double rate = (double)(count * sizeof *data) / seconds / 1e9;
        if (rate > best) best = rate;
    }
    printf("%.1f\n", best);
    return total == 42;  // keeps the sums alive
}
