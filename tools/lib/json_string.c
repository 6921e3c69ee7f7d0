// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* json_string.c - see json_string.h */
#include "json_string.h"

size_t it_utf8_seq(const char *s, size_t avail)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;

	if (!avail)
		return 0;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;	/* continuation byte, overlong 2-byte, > U+10FFFF */
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) ||	/* overlong */
	    (p[0] == 0xed && p[1] > 0x9f) ||	/* UTF-16 surrogate */
	    (p[0] == 0xf0 && p[1] < 0x90) ||	/* overlong */
	    (p[0] == 0xf4 && p[1] > 0x8f))	/* > U+10FFFF */
		return 0;
	return n;
}

void it_json_string(FILE *out, const char *s, size_t max)
{
	size_t i, n, len;

	for (len = 0; len < max && s[len]; len++)
		;
	fputc('"', out);
	for (i = 0; i < len; i += n) {
		unsigned char c = s[i];

		n = it_utf8_seq(s + i, len - i);
		if (!n) {
			fputs("\\ufffd", out);	/* not UTF-8: one byte replaced */
			n = 1;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				fwrite(s + i, 1, n, out);
		}
	}
	fputc('"', out);
}
