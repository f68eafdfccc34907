/* fl_sha256: SHA-256 (FIPS 180-4), for content identities.
 *
 * `faultline merge` names a stored trace by the hash of its rows, so that
 * the same trace replayed on two hosts, under two paths, is stored once.
 * A cryptographic hash because the identity decides which rows are dropped:
 * two different traces must not collide, whatever their content.
 */
#ifndef FL_SHA256_H
#define FL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct fl_sha256 {
	uint32_t h[8];
	uint64_t bytes;		/* message length so far */
	uint8_t buf[64];
	size_t nbuf;
};

void fl_sha256_init(struct fl_sha256 *s);
void fl_sha256_update(struct fl_sha256 *s, const void *data, size_t n);
void fl_sha256_final(struct fl_sha256 *s, uint8_t digest[32]);
/* The digest as 64 lowercase hex digits and a NUL. */
void fl_sha256_hex(const uint8_t digest[32], char hex[65]);

#endif
