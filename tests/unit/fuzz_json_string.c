// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_json_string SEED COUNT: COUNT random byte strings (1..48 bytes, no
 * NUL, biased towards UTF-8 lead and continuation bytes, quotes, controls)
 * through it_json_string(); one line per case: the input in hex, a tab,
 * the JSON string literal.  tests/unit/t-json-string-fuzz checks each line
 * with Python's strict UTF-8 decoder and json.loads.
 */
#include <stdio.h>
#include <stdlib.h>
#include "json_string.h"

int main(int argc, char **argv)
{
	static const unsigned char pool[] = { 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
		0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f, 0x90,
		0x8f, '"', '\\', '\n', 0x01, 0x1f, 0x7f, 'a', 0x82, 0xac };
	long count = argc > 2 ? atol(argv[2]) : 0;
	char s[49];

	if (argc != 3 || count <= 0) {
		fprintf(stderr, "usage: fuzz_json_string SEED COUNT\n");
		return 2;
	}
	srandom(atol(argv[1]));
	while (count--) {
		int len = 1 + random() % 48, i;

		for (i = 0; i < len; i++) {
			long r = random();

			s[i] = r % 3 ? pool[(r >> 2) % sizeof(pool)] : 1 + (r >> 2) % 255;
		}
		s[len] = '\0';
		for (i = 0; i < len; i++)
			printf("%02x", (unsigned char)s[i]);
		putchar('\t');
		it_json_string(stdout, s, sizeof(s));
		putchar('\n');
	}
	return ferror(stdout) ? 1 : 0;
}
