#include "csha256.h"

#include <string.h>

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static uint32_t rotr(uint32_t value, unsigned amount) {
  return (value >> amount) | (value << (32 - amount));
}

/* One application of the compression function to a 64-byte block (portable C). */
static void compress(uint32_t words[8], const uint8_t block[64]) {
  uint32_t schedule[64];
  for (int t = 0; t < 16; t++) {
    schedule[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
                  (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
  }
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = rotr(schedule[t - 15], 7) ^ rotr(schedule[t - 15], 18) ^ (schedule[t - 15] >> 3);
    uint32_t s1 = rotr(schedule[t - 2], 17) ^ rotr(schedule[t - 2], 19) ^ (schedule[t - 2] >> 10);
    schedule[t] = schedule[t - 16] + s0 + schedule[t - 7] + s1;
  }
  uint32_t a = words[0], b = words[1], c = words[2], d = words[3];
  uint32_t e = words[4], f = words[5], g = words[6], h = words[7];
  for (int t = 0; t < 64; t++) {
    uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    uint32_t choice = (e & f) ^ (~e & g);
    uint32_t temp1 = h + s1 + choice + round_constants[t] + schedule[t];
    uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
    uint32_t temp2 = s0 + majority;
    h = g;
    g = f;
    f = e;
    e = d + temp1;
    d = c;
    c = b;
    b = a;
    a = temp1 + temp2;
  }
  words[0] += a;
  words[1] += b;
  words[2] += c;
  words[3] += d;
  words[4] += e;
  words[5] += f;
  words[6] += g;
  words[7] += h;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* `blocks` 64-byte blocks with the x86 SHA extensions (Intel's SHA-NI, on AMD since Zen):
 * ~4x the portable loop. Why: a student step verifies the digest of its teacher's traces on
 * every read (67 MB for FaceAll), and the portable compression was a fifth of a FaceAll MemKD
 * student step. The state is kept as the instructions want it (ABEF and CDGH); the message
 * schedule runs four words at a time with sha256msg1/2 (w[t] = s1(w[t-2]) + w[t-7] +
 * s0(w[t-15]) + w[t-16]). */
__attribute__((target("sha,sse4.1,ssse3"))) static void compress_blocks_shani(
    uint32_t words[8], const uint8_t *data, size_t blocks) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i dcba = _mm_loadu_si128((const __m128i *)&words[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&words[4]);
  __m128i badc = _mm_shuffle_epi32(dcba, 0xB1);
  hgfe = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
  __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xF0);
  for (; blocks > 0; blocks--, data += 64) {
    const __m128i abef_saved = abef, cdgh_saved = cdgh;
    __m128i schedule[4];
#pragma clang loop unroll(full)
    for (int group = 0; group < 16; group++) {
      __m128i message;
      if (group < 4) {
        message = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * group)), byte_swap);
      } else {
        const __m128i older = _mm_sha256msg1_epu32(schedule[group % 4], schedule[(group + 1) % 4]);
        const __m128i middle = _mm_alignr_epi8(schedule[(group + 3) % 4], schedule[(group + 2) % 4], 4);
        message = _mm_sha256msg2_epu32(_mm_add_epi32(older, middle), schedule[(group + 3) % 4]);
      }
      schedule[group % 4] = message;
      __m128i sum = _mm_add_epi32(message, _mm_loadu_si128((const __m128i *)&round_constants[4 * group]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, sum);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(sum, 0x0E));
    }
    abef = _mm_add_epi32(abef, abef_saved);
    cdgh = _mm_add_epi32(cdgh, cdgh_saved);
  }
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&words[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&words[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* 1 when the CPU has the SHA extensions and SSSE3/SSE4.1 (CPUID leaf 7 EBX bit 29; leaf 1 ECX
 * bits 9 and 19). */
static int cpu_has_sha(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19))) return 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
  return (b >> 29) & 1;
}
#else
static int cpu_has_sha(void) { return 0; }
#endif

/* -1 until the first use; then whether the hardware kernel is used (tests switch it off). */
static int hardware_state = -1;

int csha256_hardware_available(void) { return cpu_has_sha(); }

void csha256_use_hardware(int enabled) {
  __atomic_store_n(&hardware_state, enabled && cpu_has_sha() ? 1 : 0, __ATOMIC_RELAXED);
}

static int using_hardware(void) {
  int state = __atomic_load_n(&hardware_state, __ATOMIC_RELAXED);
  if (state < 0) {
    state = cpu_has_sha();
    __atomic_store_n(&hardware_state, state, __ATOMIC_RELAXED);
  }
  return state;
}

/* `blocks` consecutive 64-byte blocks. */
static void compress_blocks(uint32_t words[8], const uint8_t *data, size_t blocks) {
#if defined(__x86_64__)
  if (using_hardware()) {
    compress_blocks_shani(words, data, blocks);
    return;
  }
#endif
  for (; blocks > 0; blocks--, data += 64) compress(words, data);
}

void csha256_init(csha256_state *state) {
  static const uint32_t initial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(state->words, initial, sizeof initial);
  state->block_count = 0;
  state->message_bytes = 0;
}

void csha256_update(csha256_state *state, const uint8_t *bytes, size_t count) {
  if (count == 0) return;
  state->message_bytes += count;
  if (state->block_count > 0) {
    size_t take = 64 - state->block_count < count ? 64 - state->block_count : count;
    memcpy(state->block + state->block_count, bytes, take);
    state->block_count += take;
    bytes += take;
    count -= take;
    if (state->block_count < 64) return;
    compress_blocks(state->words, state->block, 1);
    state->block_count = 0;
  }
  size_t blocks = count / 64;
  compress_blocks(state->words, bytes, blocks);
  bytes += 64 * blocks;
  count -= 64 * blocks;
  if (count > 0) memcpy(state->block, bytes, count);
  state->block_count = count;
}

void csha256_finish(csha256_state *state, uint8_t digest[32]) {
  uint64_t bit_length = state->message_bytes * 8;
  uint8_t padding[72] = {0x80};
  size_t after_marker = (state->block_count + 1) % 64;
  size_t zeros = after_marker <= 56 ? 56 - after_marker : 120 - after_marker;
  for (int i = 0; i < 8; i++) padding[1 + zeros + i] = (uint8_t)(bit_length >> (56 - 8 * i));
  csha256_update(state, padding, 1 + zeros + 8);
  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(state->words[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(state->words[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(state->words[i] >> 8);
    digest[4 * i + 3] = (uint8_t)state->words[i];
  }
}
