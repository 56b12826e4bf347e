/* SHA-256 (FIPS 180-4): the compression kernel behind MemKDCore's `SHA256`.
 *
 * Why C: every dataset MemKD writes or reads is hashed, and a Swift kernel compiled without
 * optimisation (debug builds, which the tests use) hashes about 1 MB/s; this file is compiled
 * with -O2 in every configuration. The Swift wrapper (Sources/MemKDCore/Checksum/SHA256.swift)
 * is the API; nothing else calls these functions. */
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t words[8];
  uint8_t block[64];
  size_t block_count;     /* bytes waiting in `block`, 0..63 */
  uint64_t message_bytes; /* bytes fed so far */
} csha256_state;

void csha256_init(csha256_state *state);
/* Feeds `count` bytes at `bytes` (`bytes` may be NULL when `count` is 0). */
void csha256_update(csha256_state *state, const uint8_t *bytes, size_t count);
/* Pads, and writes the 32-byte big-endian digest to `digest`. */
void csha256_finish(csha256_state *state, uint8_t digest[32]);
/* 1 when this CPU has the x86 SHA extensions, which the compression then uses. */
int csha256_hardware_available(void);
/* Uses the SHA extensions (when available) or the portable C loop from now on: for the tests,
 * which check that both give the same digests. */
void csha256_use_hardware(int enabled);

#endif
