/* fl_sha256 against the FIPS 180-4 examples and sha256sum, across block
 * boundaries and split updates. */
#include "unit.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(million_a),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
