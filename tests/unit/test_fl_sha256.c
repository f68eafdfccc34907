/* fl_sha256 against the FIPS 180-4 examples and sha256sum, across block
 * boundaries and split updates; and its two compressions, the SHA-NI one
 * this process uses where the CPU has it and the portable one, against
 * each other. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_sha256.h"

static void hex_of(const void *data, size_t n, size_t split, char hex[65])
{
	struct fl_sha256 s;
	uint8_t d[32];

	fl_sha256_init(&s);
	if (split > n)
		split = n;
	fl_sha256_update(&s, data, split);
	fl_sha256_update(&s, (const char *)data + split, n - split);
	fl_sha256_final(&s, d);
	fl_sha256_hex(d, hex);
}

static void known_answers(void **state)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	(void)state;
	hex_of("", 0, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, 1, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (size_t split = 0; split <= strlen(two_blocks); split += 7) {
		hex_of(two_blocks, strlen(two_blocks), split, hex);
		assert_string_equal(hex,
				    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	}
}

/* One million 'a' (FIPS 180-4's third example), fed in odd-sized pieces. */
static void million_a(void **state)
{
	struct fl_sha256 s;
	char piece[997], hex[65];
	uint8_t d[32];
	size_t left = 1000000;

	(void)state;
	memset(piece, 'a', sizeof(piece));
	fl_sha256_init(&s);
	while (left) {
		size_t n = left < sizeof(piece) ? left : sizeof(piece);
		fl_sha256_update(&s, piece, n);
		left -= n;
	}
	fl_sha256_final(&s, d);
	fl_sha256_hex(d, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the block and padding boundaries, and long runs that go
 * through the many-block path, each hashed in two updates. */
static const size_t lengths[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4099, 65536, 300001 };
#define NLENGTHS (sizeof(lengths) / sizeof(lengths[0]))
static unsigned char data[300001];
static const char *self;

static void fill(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		data[i] = (unsigned char)x;
	}
}

/* --digests: each length's digest on a line, as this process computes it. */
static int print_digests(void)
{
	char hex[65];

	fill();
	for (size_t i = 0; i < NLENGTHS; i++) {
		hex_of(data, lengths[i], lengths[i] / 3, hex);
		printf("%s\n", hex);
	}
	return 0;
}

static void portable_agrees(void **state)
{
	char cmd[4096], line[128], hex[65];
	FILE *p;
	size_t i = 0;

	(void)state;
	fill();
	assert_true(snprintf(cmd, sizeof(cmd), "FL_SHA256_PORTABLE=1 '%s' --digests", self) <
		    (int)sizeof(cmd));
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		assert_true(i < NLENGTHS);
		line[strcspn(line, "\n")] = '\0';
		hex_of(data, lengths[i], lengths[i] / 3, hex);
		assert_string_equal(hex, line);
		i++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(i, NLENGTHS);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(million_a),
		cmocka_unit_test(portable_agrees),
	};

	if (argc > 1 && !strcmp(argv[1], "--digests"))
		return print_digests();
	self = argv[0];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
